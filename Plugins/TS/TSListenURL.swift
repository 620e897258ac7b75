import WeirCore

/// A listen URL of the `ts` module: `udp://HOST:PORT` or `tcp://HOST:PORT`.
///
/// A UDP URL whose host is a multicast group (224.0.0.0/4, ff00::/8) binds that group's port
/// and joins the group, on the interface named by `?interface=ADDR` or one the kernel picks.
/// Port 0 parses (the kernel then picks a port, which tests rely on) but configuration
/// validation refuses it.
public struct TSListenURL: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: String, Sendable, Hashable {
        case udp
        case tcp
    }

    /// Why a listen URL was refused.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String

        init(_ description: String) {
            self.description = description
        }
    }

    public var transport: Transport
    /// The address to bind, without brackets; `0.0.0.0` when the URL left it empty.
    public var host: String
    public var port: Int
    /// The local address of the interface a multicast group is joined on.
    public var interface: String?

    static let maximumLength = 300

    public init(transport: Transport, host: String, port: Int, interface: String? = nil) {
        self.transport = transport
        self.host = host
        self.port = port
        self.interface = interface
    }

    /// Reads a listen URL.
    ///
    /// - Parameters:
    ///   - text: The URL as written in the configuration.
    public init(parsing text: String) throws(Invalid) {
        guard text.utf8.count <= Self.maximumLength else { throw Invalid("listen URL is too long") }
        let lower = text.lowercased()
        let transport: Transport
        if lower.hasPrefix("udp://") {
            transport = .udp
        } else if lower.hasPrefix("tcp://") {
            transport = .tcp
        } else {
            throw Invalid("'\(text)': expected udp://HOST:PORT or tcp://HOST:PORT")
        }
        let rest = text.dropFirst(6)
        let pieces = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let authority = pieces[0]
        guard !authority.contains("/"), !authority.contains("@") else {
            throw Invalid("'\(text)': a listen URL has no path or user part (write \(transport.rawValue)://HOST:PORT)")
        }
        let (host, port) = try Self.hostAndPort(authority, text: text)
        var interface: String?
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2, kv[0] == "interface", transport == .udp else {
                    throw Invalid("'\(text)': unknown parameter '\(kv[0])' (a udp:// URL takes ?interface=ADDR)")
                }
                guard !kv[1].isEmpty, (try? ConfigAddress(parsing: "\(Self.bracketed(String(kv[1]))):1")) != nil else {
                    throw Invalid("'\(text)': interface '\(kv[1])' is not an IP address")
                }
                interface = String(kv[1])
            }
        }
        self.init(transport: transport, host: host, port: port, interface: interface)
        if transport == .tcp, isMulticast {
            throw Invalid("'\(text)': \(host) is a multicast group; TCP cannot listen on it (use udp://)")
        }
        if interface != nil, !isMulticast {
            throw Invalid("'\(text)': ?interface= only applies to a multicast group address")
        }
    }

    private static func hostAndPort(_ authority: Substring, text: String) throws(Invalid) -> (String, Int) {
        let hostPart: Substring
        let portPart: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Invalid("'\(text)': missing ']' after the IPv6 address") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.hasPrefix(":") else { throw Invalid("'\(text)': missing ':PORT'") }
            portPart = after.dropFirst()
        } else {
            guard let colon = authority.lastIndex(of: ":") else { throw Invalid("'\(text)': missing ':PORT'") }
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !portPart.isEmpty, portPart.utf8.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portPart), (0...65535).contains(port)
        else { throw Invalid("'\(text)': port must be a number in 1...65535") }
        let host = hostPart.isEmpty ? "0.0.0.0" : String(hostPart)
        // ConfigAddress knows which host names and literals are acceptable.
        do {
            _ = try ConfigAddress(parsing: "\(bracketed(host)):1")
        } catch {
            throw Invalid("'\(text)': '\(host)' is not a host name or IP address")
        }
        return (host, port)
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }

    /// Whether the host is a multicast group address.
    public var isMulticast: Bool {
        if host.contains(":") { return host.lowercased().hasPrefix("ff") }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }), let first = UInt8(octets[0]) else { return false }
        return (224...239).contains(first)
    }

    /// The URL in one canonical form; listeners are kept across reloads by this.
    public var description: String {
        var text = "\(transport.rawValue)://\(Self.bracketed(host)):\(port)"
        if let interface { text += "?interface=\(interface)" }
        return text
    }
}
