/// The message type ids of the RTMP specification that the server reads or writes.
public enum RTMPMessageType {
    public static let setChunkSize: UInt8 = 1
    public static let abort: UInt8 = 2
    public static let acknowledgement: UInt8 = 3
    public static let userControl: UInt8 = 4
    public static let windowAcknowledgementSize: UInt8 = 5
    public static let setPeerBandwidth: UInt8 = 6
    public static let audio: UInt8 = 8
    public static let video: UInt8 = 9
    /// Data message with an AMF3 marker byte before AMF0 values.
    public static let dataAMF3: UInt8 = 15
    /// Command message with an AMF3 marker byte before AMF0 values.
    public static let commandAMF3: UInt8 = 17
    public static let dataAMF0: UInt8 = 18
    public static let commandAMF0: UInt8 = 20
    /// Several FLV tags in one message.
    public static let aggregate: UInt8 = 22
}
