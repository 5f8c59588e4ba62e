import { defineErrors } from '../../core/index.js';

/** Error codes of the ONNX runtime and the dynamic batcher (`AEGLE_RUNTIME_*`). */
export const OnnxRuntimeErrors = defineErrors({
  AEGLE_RUNTIME_ONNX_LOAD: {
    message: "ONNX model '{model}' could not be loaded: {reason}.",
    status: 400,
    fix: 'Check that the file is a valid ONNX model (opset supported by onnxruntime 1.30) and readable.',
  },
  AEGLE_RUNTIME_ONNX_INPUT: {
    message: "Input '{input}' of model '{model}': {reason}.",
    status: 400,
    fix: "Send every input the model declares, with its dtype and shape (see the model's input schema).",
  },
  AEGLE_RUNTIME_ONNX_OUTPUT: {
    message: "Output '{output}' of model '{model}': {reason}.",
    status: 400,
    fix: 'Request only tensor outputs the model declares.',
  },
  AEGLE_RUNTIME_ONNX_RUN: {
    message: "Model '{model}' failed while running: {reason}.",
    status: 500,
    fix: 'Check the inputs against the input schema; if they match, the model itself is faulty.',
  },
  AEGLE_RUNTIME_ONNX_WORKER: {
    message:
      "The inference worker of model '{model}' stopped ({reason}); the requests it was running failed, and it restarts on the next request.",
    status: 503,
    fix: "Retry the request. If the worker keeps stopping, look in the server log for the worker's error (memory, a faulty model or execution provider).",
  },
  AEGLE_RUNTIME_ONNX_DESCRIPTOR: {
    message: "Model descriptor '{file}' is invalid: {reason}.",
    status: 400,
    fix: 'Fix the descriptor JSON (task, classLabels, preprocessing) as described in docs/MODELS.md.',
  },
  AEGLE_RUNTIME_ONNX_UNSUPPORTED: {
    message: "Model '{model}' is an ONNX model: {what} is not available for it.",
    status: 409,
    fix: 'Use the REST predict route or OIP v2 infer for ONNX models; drift, FHIR $predict and CDS Hooks need a native Aegle model.',
  },
  AEGLE_RUNTIME_ONNX_REQUEST: {
    message: "Model '{model}' cannot take this request: {reason}.",
    status: 400,
    fix: "Send rows to a tabular model (one [N, p] input) and an image or DICOM file to a model whose descriptor has 'preprocessing'.",
  },
  AEGLE_RUNTIME_QUEUE_FULL: {
    message: "The request queue of model '{model}' is full ({capacity} waiting); try again shortly.",
    status: 503,
    fix: 'Retry with back-off, or raise maxQueueSize / add replicas.',
  },
  AEGLE_RUNTIME_TIMEOUT: {
    message: "Request to model '{model}' timed out after {timeoutMs} ms ({stage}).",
    status: 504,
    fix: 'Retry, raise the per-request timeout, or add capacity.',
  },
  AEGLE_RUNTIME_CLOSED: {
    message: "Model '{model}' has been unloaded.",
    status: 503,
    fix: 'Retry: the model is being reloaded or was removed.',
  },
});
