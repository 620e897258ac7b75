import Foundation
import WeirCore
import Yams

/// Reads one configuration file into a YAML node tree whose nodes keep their line and column.
enum YAMLDocument {
    /// Configuration files larger than this are refused before they are parsed.
    static let maximumFileSize = 4 << 20

    /// Reads and parses `path`.
    ///
    /// - Parameters:
    ///   - path: The file to read, named this way in errors.
    /// - Returns: The root node, nil for a file with no document (empty or only comments), or the error.
    static func load(path: String) -> Result<Node?, ConfigError> {
        let start = SourceLocation(file: path, line: 1, column: 1)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumFileSize {
                return .failure(ConfigError("file is larger than \(maximumFileSize >> 20) MiB", at: start))
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return .failure(ConfigError("cannot read file: \(describe(error))", at: start))
        }
        guard data.count <= maximumFileSize else {
            return .failure(ConfigError("file is larger than \(maximumFileSize >> 20) MiB", at: start))
        }
        switch decode(data, file: path) {
        case .success(let text):
            return parse(text, file: path)
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Parses YAML text.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: The name used in errors.
    static func parse(_ text: String, file: String) -> Result<Node?, ConfigError> {
        do {
            return .success(try Yams.compose(yaml: text))
        } catch let error as YamlError {
            return .failure(configError(from: error, file: file, text: text))
        } catch {
            return .failure(ConfigError("YAML error: \(error)", at: SourceLocation(file: file, line: 1, column: 1)))
        }
    }

    /// Decodes UTF-8, pointing at the first byte that is not valid UTF-8.
    static func decode(_ data: Data, file: String) -> Result<String, ConfigError> {
        var line = 1
        var column = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return .success(String(scalars))
            case .error:
                let location = SourceLocation(file: file, line: line, column: column)
                return .failure(ConfigError("file is not valid UTF-8", at: location))
            }
        }
    }

    /// Maps a Yams error to a located configuration error.
    static func configError(from error: YamlError, file: String, text: String) -> ConfigError {
        func located(_ mark: Mark) -> SourceLocation {
            SourceLocation(file: file, line: max(mark.line, 1), column: max(mark.column, 1))
        }
        func message(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return "YAML syntax error: \(problem)" }
            return "YAML syntax error: \(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return ConfigError(message(problem, context), at: located(mark))
        case let .reader(problem, offset, _, yaml):
            let (line, column) = position(ofCharacterOffset: offset ?? 0, in: yaml)
            return ConfigError("YAML error: \(problem)", at: SourceLocation(file: file, line: line, column: column))
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let noun = duplicates.count == 1 ? "key" : "keys"
            return ConfigError("duplicate \(noun) \(keys) in the same mapping", at: located(context.mark))
        default:
            return ConfigError("YAML error: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// Line and column (from 1) of the character at `offset`, counting columns in Unicode scalars.
    static func position(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for (index, character) in text.enumerated() {
            if index >= offset { break }
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        return nsError.localizedDescription
    }
}
