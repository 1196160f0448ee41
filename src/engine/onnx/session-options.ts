// ONNX Runtime session options shared by every session the engine creates (the bundle's model, the
// dictionary encoders, the logit lens), so they all run with the same thread settings.
import type { InferenceSession } from 'onnxruntime-node';

export interface SessionTuning {
  /** ONNX Runtime intra-op threads (default 2). */
  threads?: number;
  /** Let ORT's idle threads spin (default false: on a shared machine, spinning threads steal the cores
   *  the editor and other work need, and measured slower here under load). */
  spin?: boolean;
}

export function sessionOptions(t: SessionTuning): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: t.threads ?? 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableMemPattern: true,
    enableCpuMemArena: true,
    // Errors only: ORT's own warnings (graph optimizer notes) went to the host's stderr with colour codes
    // and say nothing the user can act on; failures still surface as rejected calls.
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: t.spin ? '1' : '0' } } },
  };
}
