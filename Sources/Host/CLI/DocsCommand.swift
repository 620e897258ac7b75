import ArgumentParser
import Foundation

/// `weir docs TEMPLATE`: renders a man page template from `man/` with the option reference
/// generated from the configuration schema. The package build runs it; it is hidden from help.
struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Render a man page template with the option reference of this build's schema.",
        shouldDisplay: false
    )

    @Argument(help: ArgumentHelp("A man page template such as man/weir.yaml.5.in.", valueName: "template"))
    var template: String

    @Option(help: ArgumentHelp("The date printed in the page footer, YYYY-MM-DD; default SOURCE_DATE_EPOCH's day, or today.", valueName: "date"))
    var date: String?

    func run() throws {
        guard let text = try? String(contentsOfFile: template, encoding: .utf8) else {
            StandardError.write("weir docs: cannot read \(template)")
            throw ExitCode(1)
        }
        do {
            let page = try ManPageRenderer.render(
                template: text, modules: ModuleRegistry.descriptors,
                version: WeirVersion.string, date: date ?? Self.defaultDate())
            print(page, terminator: "")
        } catch {
            StandardError.write("\(template):\(error.line): \(error.message)")
            throw ExitCode(1)
        }
    }

    /// The day of `SOURCE_DATE_EPOCH` when set, so that package builds are reproducible; else today (UTC).
    static func defaultDate() -> String {
        var date = Date()
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init) {
            date = Date(timeIntervalSince1970: epoch)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 1970, month = parts.month ?? 1, day = parts.day ?? 1
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}
