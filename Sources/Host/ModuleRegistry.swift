import HLS
import RTMP
import SRT
import TS
import WeirCore

/// The modules compiled into `weir`, in the order `weir plugins` lists them.
///
/// Modules are registered statically: each plugin exposes its descriptor and the host lists it here.
/// Configuration validation, `weir check`, `weir plugins` and the reload diff all read this list.
enum ModuleRegistry {
    static let descriptors: [ModuleDescriptor] = [
        RTMPModule.descriptor,
        SRTModule.descriptor,
        TSModule.descriptor,
        HLSModule.descriptor,
    ]

    static func descriptor(named name: String) -> ModuleDescriptor? {
        descriptors.first { $0.name == name }
    }
}
