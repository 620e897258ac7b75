extension Array where Element == ParsedBox {
    /// The first box of `type` at this level, if any.
    ///
    /// - Parameters:
    ///   - type: The box type.
    public func first(_ type: BoxType) -> ParsedBox? {
        first { $0.type == type }
    }

    /// The first box reached by following `path` down from this level, for example `"moov", "trak"`.
    ///
    /// - Parameters:
    ///   - path: Types of the boxes to descend through.
    public func find(_ path: BoxType...) -> ParsedBox? {
        find(path)
    }

    func find(_ path: [BoxType]) -> ParsedBox? {
        guard let head = path.first, var box = first(head) else { return nil }
        for type in path.dropFirst() {
            guard let next = box.child(type) else { return nil }
            box = next
        }
        return box
    }
}
