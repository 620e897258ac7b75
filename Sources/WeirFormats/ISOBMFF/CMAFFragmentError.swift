/// Why a CMAF fragment could not be written.
public enum CMAFFragmentError: Error, Hashable, Sendable {
    /// A fragment needs at least one sample.
    case noSamples
    /// The samples' sizes do not add up to the data's readable bytes.
    case sampleSizeMismatch(declared: UInt64, available: Int)
    /// The `moof` would be too large for a 32-bit data offset.
    case tooManySamples(count: Int)
    /// A box did not fit its size field.
    case boxTooLarge(BoxWriterError)
}
