/** dcmjs ships no type declarations; Aegle's DICOM code types the parts it uses where it uses them. */
declare module 'dcmjs';
