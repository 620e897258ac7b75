import Foundation

/// The inputs kept in the repository: the seed corpus and every crash found, per target.
public enum FuzzCorpus {
    /// The regular files at `path`: the file itself, or a directory's files (not recursing),
    /// sorted by name. Hidden files are skipped; a missing path has none.
    ///
    /// - Parameters:
    ///   - path: A file or a directory.
    public static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter { file in
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &nested) && !nested.boolValue
        }
    }

    /// The bytes of a file; empty when it cannot be read.
    ///
    /// - Parameters:
    ///   - file: The path.
    public static func contents(of file: String) -> [UInt8] {
        FileManager.default.contents(atPath: file).map { [UInt8]($0) } ?? []
    }
}
