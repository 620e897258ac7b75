import Testing
import WeirCore

@Suite struct ConfigAddressTests {
    @Test(arguments: [
        ("0.0.0.0:8080", "0.0.0.0", 8080),
        (":1935", "", 1935),
        ("[::1]:8080", "::1", 8080),
        ("[::]:80", "::", 80),
        ("localhost:65535", "localhost", 65535),
        ("[fe80::1%eth0]:1", "fe80::1%eth0", 1),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try ConfigAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.description == text)
    }

    @Test(arguments: [
        "", "8080", ":0", ":65536", ":99999", "host:", "::1:80", "[::1]", "[::1]80", "[zz::1]:80", "[1.2.3.4]:80",
        "a b:1", ":-1", ":+80", "host:80x", "[::1:80", ":000000080",
    ])
    func rejects(text: String) {
        #expect(throws: ConfigValueError.self) { try ConfigAddress(parsing: text) }
    }

    @Test func emptyHostBindsEveryIPv4Interface() throws {
        #expect(try ConfigAddress(parsing: ":1935").bindHost == "0.0.0.0")
        #expect(try ConfigAddress(parsing: "127.0.0.1:1935").bindHost == "127.0.0.1")
    }
}
