export * from './dicom.js';
export * from './preprocess.js';
export * from './table.js';
export { readImage, readImageOrDicom, isDicom } from '../image.js';
