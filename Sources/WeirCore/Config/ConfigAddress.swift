/// A listen address read from configuration: `HOST:PORT`, `:PORT` or `[IPv6]:PORT`.
public struct ConfigAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address without brackets; empty means every interface.
    public var host: String
    /// A TCP or UDP port, 1...65535.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The host to bind: the written host, or `0.0.0.0` when the address was `:PORT`.
    public var bindHost: String { host.isEmpty ? "0.0.0.0" : host }

    /// Reads an address.
    ///
    /// - Parameters:
    ///   - text: The text as written in the configuration.
    public init(parsing text: String) throws(ConfigValueError) {
        guard !text.isEmpty else {
            throw ConfigValueError("empty address (write e.g. 0.0.0.0:8080 or :8080)")
        }
        guard text.utf8.count <= 300 else {
            throw ConfigValueError("invalid address: text is too long")
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigValueError("invalid address '\(text)': missing ']' after the IPv6 address")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw ConfigValueError("invalid address '\(text)': missing ':PORT' after ']'")
            }
            portText = rest.dropFirst()
            guard Self.isIPv6Literal(host) else {
                throw ConfigValueError("invalid address '\(text)': '\(host)' is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ConfigValueError("invalid address '\(text)': missing ':PORT' (write e.g. 0.0.0.0:8080 or :8080)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ConfigValueError("invalid address '\(text)': write IPv6 addresses in brackets, e.g. [::]:8080")
            }
            guard host.allSatisfy(Self.isHostCharacter) else {
                throw ConfigValueError("invalid address '\(text)': '\(host)' is not a host name or IP address")
            }
        }
        guard !portText.isEmpty, portText.utf8.count <= 5,
              portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), (1...65535).contains(port)
        else {
            throw ConfigValueError("invalid address '\(text)': port must be a number in 1...65535")
        }
        self.init(host: String(host), port: port)
    }

    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-" || character == "_")
    }

    /// Checks the characters of an IPv6 literal with an optional `%zone`; the socket layer checks the rest.
    private static func isIPv6Literal(_ text: Substring) -> Bool {
        let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        let address = parts[0]
        guard address.contains(":"),
              address.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") })
        else { return false }
        guard parts.count > 1 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy(isHostCharacter)
    }

    /// `HOST:PORT`, with IPv6 hosts in brackets and an empty host as `:PORT`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
