/// Lexical path arithmetic for naming configuration files in messages.
///
/// Paths stay as the operator wrote them (relative stays relative) so that `FILE:LINE:COL`
/// reads like the command line; `..` is folded only where it follows a named directory.
enum ConfigPath {
    /// The directory part of `path`: `conf` for `conf/weir.yaml`, `.` for `weir.yaml`, `/` for `/weir.yaml`.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = path[..<slash]
        return directory.isEmpty ? "/" : String(directory)
    }

    /// `relative` resolved against `base`, or `relative` itself when it is absolute.
    static func resolve(_ relative: String, against base: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        if base == "." { return normalize(relative) }
        return normalize(base + "/" + relative)
    }

    /// Removes `.` components, empty components and `name/..` pairs.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".":
                continue
            case "..":
                if let last = components.last, last != ".." {
                    components.removeLast()
                } else if !absolute {
                    components.append(component)
                }
            default:
                components.append(component)
            }
        }
        let joined = components.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `directory/name` without a doubled slash.
    static func join(_ directory: String, _ name: String) -> String {
        if directory == "." { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
