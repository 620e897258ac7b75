@testable import HLS
import NIOCore
import Synchronization
import Testing

@Suite struct PlaylistCacheTests {
    let key = PlaylistCache.Key(path: "live/cam1", epoch: "e", track: "video")

    @Test func rendersOncePerVersionUnderConcurrency() async {
        let cache = PlaylistCache()
        let renders = Counter()
        let bodies = await withTaskGroup(of: ByteBuffer?.self) { group in
            for _ in 0..<200 {
                group.addTask { [key] in
                    cache.body(for: key, version: 7) {
                        renders.value.add(1, ordering: .relaxed)
                        return "v7"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(renders.value.load(ordering: .relaxed) == 1)
        #expect(bodies.allSatisfy { $0 == ByteBuffer(string: "v7") })
        #expect(cache.body(for: key, version: 8) { "v8" } == ByteBuffer(string: "v8"))
        #expect(renders.value.load(ordering: .relaxed) == 1)
    }

    @Test func olderVersionsDoNotReplaceNewerOnes() {
        let cache = PlaylistCache()
        _ = cache.body(for: key, version: 5) { "v5" }
        #expect(cache.body(for: key, version: 4) { "v4" } == ByteBuffer(string: "v4"))
        #expect(cache.body(for: key, version: 5) { "again" } == ByteBuffer(string: "v5"))
        #expect(cache.body(for: key, version: 6) { nil } == nil)
        #expect(cache.body(for: key, version: 5) { "again" } == ByteBuffer(string: "v5"))
    }

    @Test func isBounded() {
        let cache = PlaylistCache(capacity: 3)
        for index in 0..<10 {
            _ = cache.body(for: .init(path: "live/\(index)", epoch: "e", track: "video"), version: 1) { "x" }
        }
        #expect(cache.count <= 3)
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
