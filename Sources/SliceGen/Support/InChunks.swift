// Work split into contiguous ranges run on the GEMM's threads (`SLICEGEN_THREADS`): the per-row
// loops of the MERF loss and of the transposed convolutions. Each range must write only its own
// outputs, and every output must be the same sequence of operations whichever range computes it,
// so results do not depend on the number of threads.

import Dispatch
import SliceGenNumerics

enum InChunks {
  /// Runs `body` on at most `GEMM.threads` contiguous ranges that cover 0..<count, concurrently.
  static func run(_ count: Int, _ body: (Range<Int>) -> Void) {
    let workers = min(GEMM.threads, count)
    guard workers > 1 else {
      body(0..<count)
      return
    }
    let size = (count + workers - 1) / workers
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let range = (w * size)..<min((w + 1) * size, count)
        if !range.isEmpty { box.value(range) }
      }
    }
  }
}
