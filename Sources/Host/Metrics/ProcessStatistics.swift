import Foundation

/// The server process's own resource use, read from /proc.
struct ProcessStatistics {
    var residentBytes: Int64
    var cpuSeconds: Double
    var startTimeSeconds: Double
    var openFiles: Int

    static func read() -> ProcessStatistics {
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var resident: Int64 = 0
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int64(fields[1]) { resident = pages * pageSize }
        }
        var cpu = 0.0
        var start = 0.0
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name; utime and stime are fields 14 and 15, starttime 22.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 19, let user = Double(fields[11]), let system = Double(fields[12]) {
                cpu = (user + system) / ticks
            }
            if fields.count > 19, let started = Double(fields[19]), let uptime = Self.bootTime() {
                start = uptime + started / ticks
            }
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessStatistics(residentBytes: resident, cpuSeconds: cpu, startTimeSeconds: start, openFiles: files)
    }

    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
