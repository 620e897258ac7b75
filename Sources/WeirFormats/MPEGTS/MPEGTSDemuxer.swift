public import NIOCore

/// Demultiplexes an MPEG-2 transport stream (ISO/IEC 13818-1) into the access units of one program.
///
/// Bytes may arrive in any chunking: UDP datagrams of seven packets, or a TCP or HTTP stream
/// split anywhere. The demuxer locks on the sync byte and, after garbage or a corrupted sync
/// byte, searches for three sync bytes 188 bytes apart before trusting the stream again. It
/// follows the PAT and the selected program's PMT (CRC-checked, version changes honoured),
/// reassembles PES packets of the H.264, H.265 and AAC (ADTS) streams, and counts and skips
/// everything else. Continuity errors drop the PES they cut; the stream resumes at the next
/// unit start. Nothing in the input can make it trap or grow without bound: sections, PES
/// packets, programs and streams are all capped.
public struct MPEGTSDemuxer: Sendable {
    /// Program selection and memory limits.
    public let configuration: Configuration
    /// What has been seen, dropped and skipped so far.
    public private(set) var counters = Counters()
    /// The selected program's number, once a program is selected.
    public private(set) var programNumber: UInt16?
    /// The selected program's streams, as the last `.program` event announced them.
    public private(set) var streams: [MPEGTSElementaryStream] = []
    /// The selected program's latest program clock reference, in 27 MHz ticks.
    public private(set) var pcr: Int64?

    private static let unknownContinuity: UInt8 = 0xFF
    private static let duplicateSeen: UInt8 = 0x10

    /// Unconsumed input: less than a packet, or bytes waiting for a sync decision.
    private var pending = ByteBuffer()
    private var synced = false
    private var hasSynced = false

    private var patAssembler = MPEGTSSectionAssembler()
    private var patVersion: UInt8?
    private var patSections: [UInt8: [MPEGTSProgramAssociation.Entry]] = [:]
    private var programs: [MPEGTSProgramAssociation.Entry] = []
    private var pmtAssemblers: [UInt16: MPEGTSSectionAssembler] = [:]
    private var programMaps: [UInt16: MPEGTSProgramMap] = [:]
    private var packetsWaitingForSelection = 0
    private var selectedMap: MPEGTSProgramMap?
    private var assemblers: [UInt16: MPEGTSPESAssembler] = [:]
    private var skippedTypes: [UInt16: MPEGTSStreamType] = [:]
    /// Per PID: the last continuity counter in the low bits, ``duplicateSeen``, or ``unknownContinuity``.
    private var continuity = [UInt8](repeating: unknownContinuity, count: 8192)
    /// Per followed PID, a hash of the last payload: a repeated counter is a duplicate only
    /// when the payload repeats too; otherwise 16 packets were lost.
    private var lastPayloadHash: [UInt16: Int] = [:]
    /// Time base discontinuities signalled on the PCR PID so far.
    private var timeBase = 0

    /// Creates a demuxer.
    ///
    /// - Parameters:
    ///   - configuration: Program selection and limits.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Consumes bytes and returns what they completed.
    ///
    /// - Parameters:
    ///   - bytes: The next bytes of the stream, in any chunking.
    /// - Returns: Program announcements, access units and discontinuities, in stream order.
    public mutating func feed(_ bytes: ByteBuffer) -> [Event] {
        counters.bytes += bytes.readableBytes
        if pending.readableBytes == 0 {
            pending = bytes
        } else {
            var incoming = bytes
            pending.writeBuffer(&incoming)
        }
        var events: [Event] = []
        while true {
            if !synced, !acquireSync() { break }
            guard pending.readableBytes >= MPEGTSPacketHeader.size else { break }
            guard pending.getInteger(at: pending.readerIndex, as: UInt8.self) == MPEGTSPacketHeader.syncByte else {
                synced = false
                continue
            }
            guard let packet = pending.readSlice(length: MPEGTSPacketHeader.size) else { break }
            handle(packet, events: &events)
        }
        // Keep the remainder in storage of its own, so the caller's buffer is not pinned.
        var remainder = ByteBuffer()
        remainder.writeImmutableBuffer(pending)
        pending = remainder
        return events
    }

    /// Completes what is pending at the end of the input: unbounded PES packets and held
    /// video units. A partial packet left over is discarded.
    ///
    /// - Returns: The access units completed.
    public mutating func flush() -> [Event] {
        var events: [Event] = []
        for pid in assemblers.keys.sorted() {
            let units = assemblers[pid]?.flush(limit: configuration.maxPESSize, counters: &counters) ?? []
            events += units.map(Event.accessUnit)
        }
        pending = ByteBuffer()
        return events
    }

    // MARK: Sync

    /// Finds the next packet boundary, discarding the bytes before it.
    ///
    /// The very first byte of a stream is trusted when it is a sync byte; otherwise three sync
    /// bytes 188 bytes apart are required, so a stray 0x47 in garbage does not lock.
    private mutating func acquireSync() -> Bool {
        let view = pending.readableBytesView
        let base = view.startIndex
        let count = view.count
        let size = MPEGTSPacketHeader.size
        // Only the stream's own first byte: once garbage was skipped, the byte after it is a
        // candidate like any other (otherwise how the input is split would decide the lock).
        if !hasSynced, counters.discardedBytes == 0, count > 0, view[base] == MPEGTSPacketHeader.syncByte {
            synced = true
            hasSynced = true
            return true
        }
        var offset = 0
        while offset < count {
            if view[base + offset] == MPEGTSPacketHeader.syncByte {
                guard offset + 2 * size < count else { break }
                if view[base + offset + size] == MPEGTSPacketHeader.syncByte,
                    view[base + offset + 2 * size] == MPEGTSPacketHeader.syncByte
                {
                    pending.moveReaderIndex(forwardBy: offset)
                    counters.discardedBytes += offset
                    counters.resyncs += 1
                    synced = true
                    hasSynced = true
                    return true
                }
            }
            offset += 1
        }
        pending.moveReaderIndex(forwardBy: offset)
        counters.discardedBytes += offset
        return false
    }

    // MARK: Packets

    private mutating func handle(_ packet: ByteBuffer, events: inout [Event]) {
        counters.packets += 1
        if selectedMap == nil, !programs.isEmpty {
            packetsWaitingForSelection += 1
            if packetsWaitingForSelection == configuration.selectionTimeoutPackets {
                selectProgram(events: &events)
            }
        }
        let header: MPEGTSPacketHeader
        do {
            header = try MPEGTSPacketHeader(parsing: packet)
        } catch {
            counters.transportErrors += 1
            return
        }
        guard !header.transportError else {
            counters.transportErrors += 1
            return
        }
        let pid = header.pid
        if pid == MPEGTSProgramAssociation.pid {
            guard acceptContinuity(header) else { return }
            guard let payload = header.payload else { return }
            for section in patAssembler.push(payload, unitStart: header.unitStart) {
                programAssociation(section, events: &events)
            }
        } else if pmtAssemblers[pid] != nil {
            guard acceptContinuity(header) else {
                return
            }
            guard let payload = header.payload else { return }
            let sections = pmtAssemblers[pid]?.push(payload, unitStart: header.unitStart) ?? []
            for section in sections {
                programMap(section, pid: pid, events: &events)
            }
        } else if let map = selectedMap,
            pid == map.pcrPID || assemblers[pid] != nil || skippedTypes[pid] != nil
        {
            elementaryStream(header, pcrPID: map.pcrPID, events: &events)
        } else {
            counters.otherPackets += 1
        }
    }

    private mutating func elementaryStream(_ header: MPEGTSPacketHeader, pcrPID: UInt16, events: inout [Event]) {
        let pid = header.pid
        let timeBaseChanges = pid == pcrPID && header.adaptation?.discontinuity == true
        if pid == pcrPID, let value = header.adaptation?.pcr {
            pcr = value
        }
        guard assemblers[pid] != nil else {
            if let type = skippedTypes[pid] {
                counters.skippedPackets[type, default: 0] += 1
            }
            if timeBaseChanges { discontinuity(pid: pid, events: &events) }
            return
        }
        guard header.scrambling == 0 else {
            counters.scrambledPackets += 1
            assemblers[pid]?.dropPartial(counters: &counters)
            return
        }
        guard acceptContinuity(header), let payload = header.payload else {
            if timeBaseChanges { discontinuity(pid: pid, events: &events) }
            return
        }
        let limit = configuration.maxPESSize
        if header.unitStart {
            // What the unit start completes belongs to the old time base; the discontinuity
            // goes between it and the PES that starts here.
            let units = assemblers[pid]?.close(before: payload, limit: limit, counters: &counters) ?? []
            events += units.map(Event.accessUnit)
        }
        if timeBaseChanges { discontinuity(pid: pid, events: &events) }
        let units =
            assemblers[pid]?.push(
                payload, unitStart: header.unitStart, randomAccess: header.adaptation?.randomAccess ?? false,
                timeBase: timeBase, limit: limit, counters: &counters) ?? []
        events += units.map(Event.accessUnit)
    }

    private mutating func discontinuity(pid: UInt16, events: inout [Event]) {
        counters.discontinuities += 1
        timeBase += 1
        events.append(.discontinuity(pid: pid))
    }

    /// Checks a followed PID's continuity counter; on a jump the PID's partial data is dropped.
    ///
    /// - Returns: false for a duplicate packet, which is ignored.
    private mutating func acceptContinuity(_ header: MPEGTSPacketHeader) -> Bool {
        // The counter advances only with payload.
        guard let payload = header.payload else { return true }
        let pid = Int(header.pid)
        let state = continuity[pid]
        let counter = header.continuityCounter
        continuity[pid] = counter
        let hash = Self.hash(payload)
        let previousHash = lastPayloadHash.updateValue(hash, forKey: header.pid)
        if state == Self.unknownContinuity || header.adaptation?.discontinuity == true {
            return true
        }
        let last = state & 0x0F
        if counter == last, state & Self.duplicateSeen == 0, previousHash == hash {
            continuity[pid] = counter | Self.duplicateSeen
            counters.duplicatePackets += 1
            return false
        }
        if counter != (last + 1) & 0x0F {
            counters.ccErrors += 1
            dropPartial(pid: header.pid)
            // A third copy of a packet is an error, and its payload is not new.
            return !(counter == last && previousHash == hash)
        }
        return true
    }

    private static func hash(_ payload: ByteBuffer) -> Int {
        var hasher = Hasher()
        payload.withUnsafeReadableBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    private mutating func dropPartial(pid: UInt16) {
        if pid == MPEGTSProgramAssociation.pid {
            patAssembler.reset()
        } else if pmtAssemblers[pid] != nil {
            pmtAssemblers[pid]?.reset()
        } else {
            assemblers[pid]?.dropPartial(counters: &counters)
        }
    }

    // MARK: Tables

    private mutating func checkedSection(_ bytes: [UInt8]) -> MPEGTSSection? {
        do {
            let section = try MPEGTSSection(parsing: bytes)
            return section.currentNext ? section : nil
        } catch .crcMismatch {
            counters.crcErrors += 1
        } catch {
            counters.malformedSections += 1
        }
        return nil
    }

    private mutating func programAssociation(_ bytes: [UInt8], events: inout [Event]) {
        guard let section = checkedSection(bytes) else { return }
        guard section.tableID == MPEGTSProgramAssociation.tableID else { return }
        let table: MPEGTSProgramAssociation
        do {
            table = try MPEGTSProgramAssociation(section: section)
        } catch {
            counters.malformedSections += 1
            return
        }
        if patVersion != table.version {
            patVersion = table.version
            patSections = [:]
        }
        patSections[table.sectionNumber] = table.entries
        var merged: [MPEGTSProgramAssociation.Entry] = []
        for number in patSections.keys.sorted() where number <= table.lastSectionNumber {
            for entry in patSections[number] ?? [] where !merged.contains(where: { $0.programNumber == entry.programNumber }) {
                merged.append(entry)
            }
        }
        merged = Array(merged.prefix(configuration.maxPrograms))
        guard merged != programs else { return }
        programs = merged

        var assemblers: [UInt16: MPEGTSSectionAssembler] = [:]
        for entry in programs {
            if let existing = pmtAssemblers[entry.pmtPID] {
                assemblers[entry.pmtPID] = existing
            } else {
                assemblers[entry.pmtPID] = MPEGTSSectionAssembler()
                continuity[Int(entry.pmtPID)] = Self.unknownContinuity
            }
        }
        pmtAssemblers = assemblers
        programMaps = programMaps.filter { number, map in
            programs.contains { $0.programNumber == number && $0.pmtPID == map.pmtPID }
        }
        if let selected = selectedMap, programMaps[selected.programNumber] == nil {
            // The selected program left the multiplex or moved its map: choose again.
            selectedMap = nil
            programNumber = nil
            streams = []
            self.assemblers = [:]
            skippedTypes = [:]
        }
        if selectedMap == nil {
            packetsWaitingForSelection = 0
            selectProgram(events: &events)
        }
    }

    private mutating func programMap(_ bytes: [UInt8], pid: UInt16, events: inout [Event]) {
        guard let section = checkedSection(bytes) else { return }
        // Other tables may share a PMT PID; only program maps matter here.
        guard section.tableID == MPEGTSProgramMap.tableID else { return }
        var map: MPEGTSProgramMap
        do {
            map = try MPEGTSProgramMap(section: section)
        } catch {
            counters.malformedSections += 1
            return
        }
        map.pmtPID = pid
        guard programs.contains(where: { $0.programNumber == map.programNumber && $0.pmtPID == pid }) else { return }
        guard programMaps[map.programNumber] != map else { return }
        programMaps[map.programNumber] = map
        if selectedMap?.programNumber == map.programNumber {
            apply(map, events: &events)
        } else if selectedMap == nil {
            selectProgram(events: &events)
        }
    }

    /// Selects the configured program, or the first program with packaged video, as soon as
    /// the maps of the programs before it are known (or stopped being waited for).
    private mutating func selectProgram(events: inout [Event]) {
        guard selectedMap == nil, !programs.isEmpty else { return }
        if let wanted = configuration.programNumber {
            if let map = programMaps[wanted] { apply(map, events: &events) }
            return
        }
        let timedOut = packetsWaitingForSelection >= configuration.selectionTimeoutPackets
        var known: [MPEGTSProgramMap] = []
        for entry in programs {
            guard let map = programMaps[entry.programNumber] else {
                if timedOut { continue }
                return
            }
            if map.hasPackagedVideo {
                apply(map, events: &events)
                return
            }
            known.append(map)
        }
        if let choice = known.first(where: \.hasPackagedStream) ?? known.first {
            apply(choice, events: &events)
        }
    }

    /// Makes `map` the selected program's map, keeping the reassembly state of streams that
    /// stay the same.
    private mutating func apply(_ map: MPEGTSProgramMap, events: inout [Event]) {
        var kept: [UInt16: MPEGTSPESAssembler] = [:]
        var skipped: [UInt16: MPEGTSStreamType] = [:]
        for stream in map.streams {
            if let codec = stream.codec, kept.count < configuration.maxStreams {
                if let existing = assemblers[stream.pid], existing.stream == stream {
                    kept[stream.pid] = existing
                } else {
                    kept[stream.pid] = MPEGTSPESAssembler(stream: stream, codec: codec)
                    continuity[Int(stream.pid)] = Self.unknownContinuity
                }
            } else {
                skipped[stream.pid] = stream.streamType
            }
        }
        assemblers = kept
        skippedTypes = skipped
        selectedMap = map
        programNumber = map.programNumber
        streams = map.streams
        events.append(.program(map.streams))
    }
}
