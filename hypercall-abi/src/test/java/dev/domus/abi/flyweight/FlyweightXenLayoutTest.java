package dev.domus.abi.flyweight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.domus.abi.SharedInfo;

/**
 * The structs the hypervisor, SDK and Dom0 use most, written through the flyweight and read
 * as raw little-endian bytes at the offsets Xen's headers give for x86_64 (worked out by
 * hand from the headers, so they stand even where gcc is absent), and the reverse.
 */
class FlyweightXenLayoutTest {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int AT = 8;
    private final UnsafeBuffer buf = new UnsafeBuffer(new byte[8192]);

    @BeforeEach
    void clear() {
        buf.setMemory(0, buf.capacity(), (byte) 0);
    }

    @Test
    void multicallEntry() {
        MulticallEntryFlyweight m = new MulticallEntryFlyweight().wrap(buf, AT);
        m.op(13).result(-22).args(0, 0x1111).args(5, 0x6666);
        assertEquals(13, buf.getLong(AT, LE));
        assertEquals(-22, buf.getLong(AT + 8, LE));
        assertEquals(0x1111, buf.getLong(AT + 16, LE));
        assertEquals(0x6666, buf.getLong(AT + 16 + 5 * 8, LE));
        buf.putLong(AT + 24, 77, LE);
        assertEquals(77, m.args(1));
        assertEquals(64, MulticallEntryFlyweight.LENGTH);
        assertEquals("multicall_entry{op=13, result=-22, args=[4369, 77, 0, 0, 0, 26214]}", m.toString());
    }

    @Test
    void evtchnAllocUnbound() {
        EvtchnAllocUnboundFlyweight e = new EvtchnAllocUnboundFlyweight().wrap(buf, AT);
        e.dom(0x7FF0).remoteDom(3).port(42);
        assertEquals((short) 0x7FF0, buf.getShort(AT, LE));
        assertEquals(3, buf.getShort(AT + 2, LE));
        assertEquals(42, buf.getInt(AT + 4, LE));
        assertEquals(8, EvtchnAllocUnboundFlyweight.LENGTH);
        buf.putShort(AT + 2, (short) 0xFFFF, LE);
        assertEquals(0xFFFF, e.remoteDom(), "domid_t is unsigned");
    }

    @Test
    void grantEntryV1() {
        GrantEntryV1Flyweight g = new GrantEntryV1Flyweight().wrap(buf, AT);
        g.flags(0x5).domid(1).frame(0xABCDE);
        assertEquals(5, buf.getShort(AT, LE));
        assertEquals(1, buf.getShort(AT + 2, LE));
        assertEquals(0xABCDE, buf.getInt(AT + 4, LE));
        assertEquals(8, GrantEntryV1Flyweight.LENGTH);
    }

    @Test
    void gnttabCopy() {
        GnttabCopyFlyweight c = new GnttabCopyFlyweight().wrap(buf, AT);
        c.sourceRef(9).sourceDomid(2).sourceOffset(100).destGmfn(0x12345).destDomid(0x7FF0).destOffset(200)
                .len(4000).flags(1).status(-3);
        assertEquals(9, buf.getInt(AT, LE));
        assertEquals(2, buf.getShort(AT + 8, LE));
        assertEquals(100, buf.getShort(AT + 10, LE));
        assertEquals(0x12345, buf.getLong(AT + 16, LE));
        assertEquals(0x7FF0, buf.getShort(AT + 24, LE));
        assertEquals(200, buf.getShort(AT + 26, LE));
        assertEquals(4000, buf.getShort(AT + 32, LE));
        assertEquals(1, buf.getShort(AT + 34, LE));
        assertEquals(-3, buf.getShort(AT + 36, LE));
        assertEquals(-3, c.status(), "int16_t status is signed");
        assertEquals(40, GnttabCopyFlyweight.LENGTH);
    }

    @Test
    void schedPoll() {
        SchedPollFlyweight p = new SchedPollFlyweight().wrap(buf, AT);
        buf.putLong(AT, 0x1000, LE);
        buf.putInt(AT + 8, 2, LE);
        buf.putLong(AT + 16, 5_000_000L, LE);
        assertEquals(0x1000, p.ports());
        assertEquals(2, p.nrPorts());
        assertEquals(5_000_000L, p.timeout());
        assertEquals(24, SchedPollFlyweight.LENGTH);
    }

    @Test
    void xsdSockmsg() {
        XsdSockmsgFlyweight x = new XsdSockmsgFlyweight().wrap(buf, AT);
        x.type(2).reqId(7).txId(0).len(12);
        assertEquals(2, buf.getInt(AT, LE));
        assertEquals(7, buf.getInt(AT + 4, LE));
        assertEquals(0, buf.getInt(AT + 8, LE));
        assertEquals(12, buf.getInt(AT + 12, LE));
        assertEquals(16, XsdSockmsgFlyweight.LENGTH);
    }

    @Test
    void blkifRequestAndResponse() {
        BlkifRequestFlyweight r = new BlkifRequestFlyweight().wrap(buf, AT);
        r.operation(1).nrSegments(2).handle(0x300).id(0xDEADBEEFL).sectorNumber(2048);
        BlkifRequestSegmentFlyweight seg = new BlkifRequestSegmentFlyweight().wrap(buf, r.segOffset(1));
        seg.gref(33).firstSect(0).lastSect(7);
        assertEquals(1, buf.getByte(AT));
        assertEquals(2, buf.getByte(AT + 1));
        assertEquals(0x300, buf.getShort(AT + 2, LE));
        assertEquals(0xDEADBEEFL, buf.getLong(AT + 8, LE));
        assertEquals(2048, buf.getLong(AT + 16, LE));
        assertEquals(33, buf.getInt(AT + 24 + 8, LE));
        assertEquals(7, buf.getByte(AT + 24 + 8 + 5));
        assertEquals(112, BlkifRequestFlyweight.LENGTH);

        BlkifResponseFlyweight rsp = new BlkifResponseFlyweight().wrap(buf, 1024);
        rsp.id(5).operation(1).status(-1);
        assertEquals(5, buf.getLong(1024, LE));
        assertEquals(1, buf.getByte(1024 + 8));
        assertEquals(-1, buf.getShort(1024 + 10, LE));
        assertEquals(16, BlkifResponseFlyweight.LENGTH);
    }

    @Test
    void blkifSringHeader() {
        BlkifSringFlyweight s = new BlkifSringFlyweight().wrap(buf, 0);
        s.reqProd(3).reqEvent(1).rspProd(2).rspEvent(4);
        assertEquals(3, buf.getInt(0, LE));
        assertEquals(1, buf.getInt(4, LE));
        assertEquals(2, buf.getInt(8, LE));
        assertEquals(4, buf.getInt(12, LE));
        assertEquals(64, BlkifSringFlyweight.RING_OFFSET);
        assertEquals(112, BlkifSringFlyweight.ENTRY_SIZE);
    }

    @Test
    void xenconsInterface() {
        XenconsInterfaceFlyweight c = new XenconsInterfaceFlyweight().wrap(buf, 0);
        c.out(0, 'h').out(2047, '!').in(1023, 'x').inCons(1).inProd(2).outCons(3).outProd(4);
        assertEquals('h', buf.getByte(1024));
        assertEquals('!', buf.getByte(1024 + 2047));
        assertEquals('x', buf.getByte(1023));
        assertEquals(1, buf.getInt(3072, LE));
        assertEquals(2, buf.getInt(3076, LE));
        assertEquals(3, buf.getInt(3080, LE));
        assertEquals(4, buf.getInt(3084, LE));
    }

    @Test
    void sharedInfoEventBitmapsAndVcpuInfo() {
        SharedInfoFlyweight s = new SharedInfoFlyweight().wrap(buf, 0);
        s.evtchnPending(1, 1L << 3).evtchnMask(63, -1L).wcVersion(2).wcSec(1_700_000_000).wcNsec(5).wcSecHi(0);
        // vcpu_info is 64 bytes on x86_64; 32 of them precede the bitmaps.
        assertEquals(1L << 3, buf.getLong(2048 + 8, LE));
        assertEquals(-1L, buf.getLong(2048 + 512 + 63 * 8, LE));
        assertEquals(2, buf.getInt(3072, LE));
        assertEquals(1_700_000_000, buf.getInt(3076, LE));
        assertEquals(5, buf.getInt(3080, LE));
        VcpuInfoFlyweight v = new VcpuInfoFlyweight().wrap(buf, s.vcpuInfoOffset(SharedInfo.XEN_LEGACY_MAX_VCPUS - 1));
        v.evtchnUpcallPending(1).evtchnPendingSel(1L << 1);
        assertEquals(1, buf.getByte(31 * 64));
        assertEquals(2L, buf.getLong(31 * 64 + 8, LE));
        VcpuTimeInfoFlyweight t = new VcpuTimeInfoFlyweight().wrap(buf, v.timeOffset(0));
        t.version(1).systemTime(123_456_789L);
        assertEquals(1, buf.getInt(31 * 64 + 32, LE));
        assertEquals(123_456_789L, buf.getLong(31 * 64 + 32 + 16, LE));
    }

    @Test
    void startInfoStringsAndConsole() {
        StartInfoFlyweight si = new StartInfoFlyweight().wrap(buf, 0);
        si.magic("xen-3.0-x86_64").nrPages(256).storeMfn(10).storeEvtchn(1).consoleMfn(11).consoleEvtchn(2)
                .cmdLine("console=hvc0");
        assertEquals("xen-3.0-x86_64", si.magic());
        assertEquals('x', buf.getByte(0));
        assertEquals(256, buf.getLong(32, LE));
        assertEquals(10, buf.getLong(56, LE));
        assertEquals(1, buf.getInt(64, LE));
        assertEquals(11, buf.getLong(72, LE));
        assertEquals(2, buf.getInt(80, LE));
        assertEquals("console=hvc0", si.cmdLine());
        assertEquals('c', buf.getByte(StartInfoFlyweight.CMD_LINE_OFFSET));
        si.cmdLine("x".repeat(5000));
        assertEquals(StartInfoFlyweight.CMD_LINE_SIZE - 1, si.cmdLine().length(), "truncated, NUL kept");
    }
}
