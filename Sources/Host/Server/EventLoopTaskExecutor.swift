import NIOCore

/// Runs a task's jobs on one event loop.
///
/// A request that has to wait (a blocking playlist reload, a hinted part) runs as a task with
/// this executor preferred: when the window changes it continues on its connection's event loop
/// and writes from there, instead of waking a thread of the global pool and hopping back to the
/// loop to write.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
