/**
 * Image preprocessing as data: the steps that turn a decoded DICOM frame or PNG/JPEG into the tensor a
 * model expects. Stored in a model's descriptor so the service can accept an image file. Pure code (no
 * I/O): decoding lives in `dicom.ts` and `../image.ts`.
 *
 * Values flow as float32, height × width × channels (HWC). A DICOM frame starts in modality units
 * (Hounsfield units for CT, after RescaleSlope/Intercept); a PNG/JPEG starts in 0–255.
 */

/** CT window presets (centre, width) in HU, the common radiology defaults. */
export const CT_WINDOWS = {
  brain: { center: 40, width: 80 },
  subdural: { center: 75, width: 215 },
  lung: { center: -600, width: 1500 },
  bone: { center: 400, width: 1800 },
  'soft-tissue': { center: 50, width: 400 },
  mediastinum: { center: 50, width: 350 },
  liver: { center: 30, width: 150 },
} as const;

export type WindowPreset = keyof typeof CT_WINDOWS;

export type PreprocessStep =
  /** Maps [center − width/2, center + width/2] to [0, 1] (DICOM PS3.3 C.11.2.1.2 linear VOI); `file` uses the file's own WindowCenter/Width. */
  | {
      readonly op: 'window';
      readonly preset?: WindowPreset | 'file';
      readonly center?: number;
      readonly width?: number;
    }
  /** Maps the image's own min..max to [0, 1]. */
  | { readonly op: 'minmax' }
  /** Multiply then add: v·multiply + add (e.g. 1/255 for 8-bit images). */
  | { readonly op: 'scale'; readonly multiply?: number; readonly add?: number }
  | { readonly op: 'invert' }
  | { readonly op: 'grayscale' }
  | { readonly op: 'rgb' }
  /** Bilinear (default) or nearest-neighbour resize. */
  | {
      readonly op: 'resize';
      readonly width: number;
      readonly height: number;
      readonly method?: 'bilinear' | 'nearest';
    }
  /** Per-channel (v − mean) / std. */
  | { readonly op: 'normalize'; readonly mean: readonly number[]; readonly std: readonly number[] };

export interface Preprocessing {
  readonly steps: readonly PreprocessStep[];
  /** Tensor layout; a leading batch dim of 1 is added (default NCHW). */
  readonly layout?: 'NCHW' | 'NHWC';
  /** Tensor dtype (default float32). */
  readonly dtype?: 'float32' | 'float16' | 'uint8';
}

/** A float image, row-major HWC. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
  /** The file's own window, when it has one (DICOM). */
  readonly window?: { readonly center: number; readonly width: number };
}

const OPS = ['window', 'minmax', 'scale', 'invert', 'grayscale', 'rgb', 'resize', 'normalize'];

/** Throws an Error naming the bad step (callers wrap it in their coded error). */
export function validatePreprocessing(raw: unknown): Preprocessing {
  if (!raw || typeof raw !== 'object') throw new Error('expected an object with steps');
  const p = raw as Preprocessing;
  if (!Array.isArray(p.steps)) throw new Error("'steps' must be an array");
  p.steps.forEach((s, i) => {
    if (!s || !OPS.includes((s as { op: string }).op))
      throw new Error(`step ${i}: 'op' must be one of ${OPS.join('|')}`);
    if (
      s.op === 'resize' &&
      !(Number.isInteger(s.width) && s.width > 0 && Number.isInteger(s.height) && s.height > 0)
    ) {
      throw new Error(`step ${i}: resize needs positive integer width and height`);
    }
    if (
      s.op === 'window' &&
      s.preset === undefined &&
      !(typeof s.center === 'number' && typeof s.width === 'number' && s.width > 0)
    ) {
      throw new Error(
        `step ${i}: window needs a preset (${Object.keys(CT_WINDOWS).join('|')}|file) or center and width > 0`,
      );
    }
    if (s.op === 'window' && s.preset !== undefined && s.preset !== 'file' && !(s.preset in CT_WINDOWS)) {
      throw new Error(`step ${i}: unknown window preset '${s.preset}'`);
    }
    if (
      s.op === 'normalize' &&
      (!Array.isArray(s.mean) ||
        !Array.isArray(s.std) ||
        s.mean.length !== s.std.length ||
        s.std.some((v: number) => !(v > 0)))
    ) {
      throw new Error(`step ${i}: normalize needs mean and std arrays of equal length, std > 0`);
    }
  });
  if (p.layout !== undefined && p.layout !== 'NCHW' && p.layout !== 'NHWC')
    throw new Error("'layout' must be NCHW or NHWC");
  if (p.dtype !== undefined && !['float32', 'float16', 'uint8'].includes(p.dtype))
    throw new Error("'dtype' must be float32, float16 or uint8");
  return p;
}

/** Linear VOI windowing to [0, 1]. */
export function applyWindow(img: FloatImage, center: number, width: number): FloatImage {
  const lo = center - width / 2;
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = (img.data[i] - lo) / width;
    out[i] = v < 0 ? 0 : Math.min(v, 1);
  }
  return { ...img, data: out };
}

export function resizeImage(
  img: FloatImage,
  width: number,
  height: number,
  method: 'bilinear' | 'nearest' = 'bilinear',
): FloatImage {
  if (img.width === width && img.height === height) return img;
  const c = img.channels;
  const out = new Float32Array(width * height * c);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    // pixel-centre alignment (as OpenCV / PIL bilinear)
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        let v: number;
        if (method === 'nearest') {
          v =
            img.data[
              (Math.min(Math.floor((y + 0.5) * sy), img.height - 1) * img.width +
                Math.min(Math.floor((x + 0.5) * sx), img.width - 1)) *
                c +
                k
            ];
        } else {
          const a = img.data[(y0 * img.width + x0) * c + k];
          const b = img.data[(y0 * img.width + x1) * c + k];
          const d = img.data[(y1 * img.width + x0) * c + k];
          const e = img.data[(y1 * img.width + x1) * c + k];
          v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
        }
        out[(y * width + x) * c + k] = v;
      }
    }
  }
  return { ...img, width, height, data: out };
}

function toChannels(img: FloatImage, channels: 1 | 3): FloatImage {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) {
      const s = i * img.channels;
      out[i] =
        img.channels >= 3
          ? 0.299 * img.data[s] + 0.587 * img.data[s + 1] + 0.114 * img.data[s + 2]
          : img.data[s];
    }
  } else {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i * img.channels];
  }
  return { ...img, channels, data: out };
}

/** Runs the steps; returns the image after the last step. */
export function applySteps(img: FloatImage, steps: readonly PreprocessStep[]): FloatImage {
  let cur = img;
  for (const s of steps) {
    switch (s.op) {
      case 'window': {
        let w: { center: number; width: number } | undefined;
        if (s.preset === 'file') w = cur.window;
        else if (s.preset) w = CT_WINDOWS[s.preset];
        else if (s.center !== undefined && s.width !== undefined) w = { center: s.center, width: s.width };
        if (!w) {
          cur = applySteps(cur, [{ op: 'minmax' }]);
          break;
        }
        cur = applyWindow(cur, w.center, w.width);
        break;
      }
      case 'minmax': {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const v of cur.data) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const span = hi > lo ? hi - lo : 1;
        cur = { ...cur, data: cur.data.map((v) => (v - lo) / span) };
        break;
      }
      case 'scale': {
        const m = s.multiply ?? 1;
        const a = s.add ?? 0;
        cur = { ...cur, data: cur.data.map((v) => v * m + a) };
        break;
      }
      case 'invert': {
        let hi = Number.NEGATIVE_INFINITY;
        let lo = Number.POSITIVE_INFINITY;
        for (const v of cur.data) {
          if (v > hi) hi = v;
          if (v < lo) lo = v;
        }
        cur = { ...cur, data: cur.data.map((v) => hi + lo - v) };
        break;
      }
      case 'grayscale':
        cur = toChannels(cur, 1);
        break;
      case 'rgb':
        cur = toChannels(cur, 3);
        break;
      case 'resize':
        cur = resizeImage(cur, s.width, s.height, s.method);
        break;
      case 'normalize': {
        const c = cur.channels;
        const out = new Float32Array(cur.data.length);
        for (let i = 0; i < out.length; i++) {
          const k = s.mean.length === 1 ? 0 : i % c;
          out[i] = (cur.data[i] - s.mean[k]) / s.std[k];
        }
        cur = { ...cur, data: out };
        break;
      }
    }
  }
  return cur;
}

export interface ImageTensor {
  readonly dtype: 'float32' | 'float16' | 'uint8';
  readonly shape: number[];
  /** Float32Array (float32; converted to half bits by the caller for float16) or Uint8Array. */
  readonly data: Float32Array | Uint8Array;
}

/** Applies the steps and lays the result out as a [1, C, H, W] (or [1, H, W, C]) tensor. */
export function imageToTensor(img: FloatImage, p: Preprocessing): ImageTensor {
  const out = applySteps(img, p.steps);
  const { width: w, height: h, channels: c } = out;
  const layout = p.layout ?? 'NCHW';
  const data = new Float32Array(w * h * c);
  if (layout === 'NHWC') data.set(out.data);
  else for (let i = 0; i < w * h; i++) for (let k = 0; k < c; k++) data[k * w * h + i] = out.data[i * c + k];
  const shape = layout === 'NHWC' ? [1, h, w, c] : [1, c, h, w];
  if (p.dtype === 'uint8')
    return {
      dtype: 'uint8',
      shape,
      data: Uint8Array.from(data, (v) => Math.max(0, Math.min(255, Math.round(v)))),
    };
  return { dtype: p.dtype ?? 'float32', shape, data };
}
