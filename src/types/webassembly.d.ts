/**
 * The parts of the WebAssembly JavaScript API (https://webassembly.github.io/spec/js-api/) that
 * Aegle's generated kernels use. Node has them all; TypeScript declares them only in its DOM
 * libraries, which this project does not load.
 */
declare namespace WebAssembly {
  // biome-ignore lint/suspicious/noEmptyInterface: an opaque handle, as the JS API defines it
  interface Module {}
  var Module: { new (bytes: ArrayBufferView | ArrayBuffer): Module };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  var Instance: { new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  var Memory: { new (descriptor: { initial: number; maximum?: number }): Memory };
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
