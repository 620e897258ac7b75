/// User control event types (RTMP specification 7.1.7) that the server reads or writes.
enum RTMPUserControlEvent {
    static let streamBegin: UInt16 = 0
    static let streamEOF: UInt16 = 1
    static let pingRequest: UInt16 = 6
    static let pingResponse: UInt16 = 7
}
