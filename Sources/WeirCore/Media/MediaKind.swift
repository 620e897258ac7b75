/// Whether a track carries pictures or sound.
public enum MediaKind: String, Sendable, Hashable, CaseIterable {
    case video
    case audio
}
