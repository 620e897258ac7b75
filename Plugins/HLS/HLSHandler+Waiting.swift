import WeirCore

extension HLSHandler {
    /// What to do with a request given the window as it is now.
    enum Decision {
        case respond(WebResponse)
        case wait
    }

    /// How a request is answered, decided without waiting: the answer itself, or a decision to
    /// take again on every change of the window.
    enum Plan {
        case notMine
        case respond(WebResponse)
        case hold(Hold)

        /// The same plan with `transform` applied to whatever response it ends with.
        func map(_ transform: @escaping (WebResponse) -> WebResponse) -> Plan {
            switch self {
            case .notMine: return .notMine
            case .respond(let response): return .respond(transform(response))
            case .hold(let hold):
                return .hold(Hold(window: hold.window, deadline: hold.deadline, decide: { snapshot in
                    switch hold.decide(snapshot) {
                    case .respond(let response): return .respond(transform(response))
                    case .wait: return .wait
                    }
                }, timeout: { transform(hold.timeout($0)) }))
            }
        }
    }

    /// A request that may have to wait for the window.
    struct Hold {
        let window: SegmentWindow
        /// When to give up.
        let deadline: ContinuousClock.Instant
        /// Answers, or asks to wait for the next change.
        let decide: (WindowSnapshot) -> Decision
        /// The answer at the deadline.
        var timeout: (WindowSnapshot) -> WebResponse = { _ in HLSResponse.unavailable() }
    }

    /// Re-evaluates the hold's decision on every change of the window until it answers, or the
    /// deadline passes.
    ///
    /// Every pass either sees a new window version or reaches the deadline, so the loop is
    /// bounded. An ended window never changes again: a request still waiting then is a 404.
    func hold(_ hold: Hold) async -> WebResponse {
        var snapshot = hold.window.snapshot()
        while true {
            if case .respond(let response) = hold.decide(snapshot) { return response }
            if snapshot.ended { return HLSResponse.notFound() }
            if ContinuousClock.now >= hold.deadline || Task.isCancelled {
                return hold.timeout(snapshot)
            }
            _ = await hold.window.waitForChange(after: snapshot.version, deadline: hold.deadline)
            snapshot = hold.window.snapshot()
        }
    }
}
