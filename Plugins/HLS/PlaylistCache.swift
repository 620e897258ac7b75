import NIOCore
import Synchronization

/// The last rendered playlist of each (stream, epoch, track), by window version.
///
/// When one new part releases hundreds of blocked requests, they all hold the same window
/// version; the first renders under the slot's lock and the others take its bytes. Slots are
/// locked separately so that streams do not wait on each other.
final class PlaylistCache: Sendable {
    struct Key: Hashable {
        var path: String
        var epoch: String
        /// The track name, or empty for the multivariant playlist.
        var track: String
    }

    private final class Slot: Sendable {
        let rendered = Mutex<(version: UInt64, body: ByteBuffer)?>(nil)
    }

    private let slots = Mutex<[Key: Slot]>([:])
    /// Slots kept before the cache starts over; each holds one playlist.
    let capacity: Int

    init(capacity: Int = 4_096) {
        self.capacity = max(1, capacity)
    }

    /// The playlist for `key` at `version`, rendered at most once per version.
    ///
    /// - Parameters:
    ///   - key: whose playlist.
    ///   - version: the window version `render` reads.
    ///   - render: makes the playlist; nil means there is none, and nothing is cached.
    func body(for key: Key, version: UInt64, render: () -> String?) -> ByteBuffer? {
        let slot = slots.withLock { slots in
            if let slot = slots[key] { return slot }
            if slots.count >= capacity { slots.removeAll(keepingCapacity: true) }
            let slot = Slot()
            slots[key] = slot
            return slot
        }
        return slot.rendered.withLock { rendered -> ByteBuffer? in
            if let rendered, rendered.version == version { return rendered.body }
            guard let text = render() else { return nil }
            let body = ByteBuffer(string: text)
            if (rendered?.version ?? 0) <= version { rendered = (version, body) }
            return body
        }
    }

    var count: Int { slots.withLock { $0.count } }
}
