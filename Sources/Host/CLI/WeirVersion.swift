/// The version of Weir, the one place it is written.
enum WeirVersion {
    static let string = "0.1.0"
}
