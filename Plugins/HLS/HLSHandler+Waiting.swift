import WeirCore

extension HLSHandler {
    /// What to do with a request given the window as it is now.
    enum Decision {
        case respond(WebResponse)
        case wait
    }

    /// Re-evaluates `decide` on every change of the window until it answers, or `deadline` passes.
    ///
    /// Every pass either sees a new window version or reaches the deadline, so the loop is
    /// bounded. An ended window never changes again: a request still waiting then is a 404.
    /// - Parameters:
    ///   - window: the stream's window.
    ///   - deadline: when to give up.
    ///   - decide: answers, or asks to wait for the next change.
    ///   - timeout: the answer at the deadline (503 unless given).
    func hold(
        _ window: SegmentWindow, until deadline: ContinuousClock.Instant,
        decide: (WindowSnapshot) -> Decision,
        timeout: ((WindowSnapshot) -> WebResponse)? = nil
    ) async -> WebResponse {
        var snapshot = window.snapshot()
        while true {
            if case .respond(let response) = decide(snapshot) { return response }
            if snapshot.ended { return HLSResponse.notFound() }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                return timeout?(snapshot) ?? HLSResponse.unavailable()
            }
            _ = await window.waitForChange(after: snapshot.version, deadline: deadline)
            snapshot = window.snapshot()
        }
    }
}
