/// Finds the known word closest to a misspelt one, for "did you mean" hints.
public enum KeySuggestion {
    /// The candidate with the smallest edit distance to `word`, if that distance is small.
    ///
    /// "Small" is at most 2 edits and at most half the word, so `segmnet` suggests `segment`
    /// but `xyz` suggests nothing; a candidate that starts with `word` (3 letters or more) is
    /// also close, so `warn` suggests `warning`.
    /// - Parameters:
    ///   - word: What was written.
    ///   - candidates: The words that would have been accepted.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        guard word.utf8.count <= 64 else { return nil }
        let limit = min(2, max(1, word.count / 2))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate.utf8.count <= 64 {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        if let best { return best.candidate }
        guard word.count >= 3 else { return nil }
        return candidates.first { $0.lowercased().hasPrefix(word.lowercased()) }
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.unicodeScalars)
        let b = Array(rhs.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, beforePrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
