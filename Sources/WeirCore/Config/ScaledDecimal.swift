/// Exact integer arithmetic for configuration quantities written as decimals, like `1.5s` or `2.8M`.
///
/// Configuration text is untrusted: every step checks for overflow and reports it instead of
/// trapping, and a fraction that does not land on a whole base unit is refused rather than
/// silently rounded.
enum ScaledDecimal {
    /// Why a decimal could not be scaled; callers turn these into messages for their type.
    enum Failure: Error {
        case notANumber
        case overflow
        case tooPrecise
    }

    /// The longest text a quantity may have; longer input is refused before any arithmetic.
    static let maximumLength = 64

    /// Reads `DIGITS[.DIGITS]` and multiplies it by `multiplier` exactly.
    ///
    /// - Parameters:
    ///   - text: The number without sign or unit.
    ///   - multiplier: How many base units one whole unit of `text` is; must be positive.
    /// - Returns: The value in base units.
    static func scale(_ text: Substring, by multiplier: Int64) throws(Failure) -> Int64 {
        guard multiplier > 0, !text.isEmpty, text.utf8.count <= maximumLength else {
            throw .notANumber
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : Substring("")
        guard !(whole.isEmpty && fraction.isEmpty), isDigits(whole), isDigits(fraction) else {
            throw .notANumber
        }
        if parts.count > 1, fraction.isEmpty {
            throw .notANumber
        }

        var wholeValue: Int64 = 0
        for byte in whole.utf8 {
            wholeValue = try checked(wholeValue.multipliedReportingOverflow(by: 10))
            wholeValue = try checked(wholeValue.addingReportingOverflow(Int64(byte - UInt8(ascii: "0"))))
        }
        var result = try checked(wholeValue.multipliedReportingOverflow(by: multiplier))

        // Trailing zeros carry no precision, and dropping them keeps 10^n within Int64.
        let significant = fraction.utf8.reversed().drop { $0 == UInt8(ascii: "0") }.reversed()
        guard !significant.isEmpty else { return result }
        guard significant.count <= 18 else { throw .tooPrecise }
        var fractionValue: Int64 = 0
        var denominator: Int64 = 1
        for byte in significant {
            fractionValue = fractionValue * 10 + Int64(byte - UInt8(ascii: "0"))
            denominator *= 10
        }
        // fractionValue < denominator, so the quotient is below multiplier and cannot overflow.
        let product = fractionValue.multipliedFullWidth(by: multiplier)
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        guard remainder == 0 else { throw .tooPrecise }
        result = try checked(result.addingReportingOverflow(quotient))
        return result
    }

    private static func isDigits(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func checked(_ result: (partialValue: Int64, overflow: Bool)) throws(Failure) -> Int64 {
        guard !result.overflow else { throw .overflow }
        return result.partialValue
    }
}
