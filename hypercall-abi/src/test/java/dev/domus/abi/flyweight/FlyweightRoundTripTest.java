package dev.domus.abi.flyweight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One test per flyweight: every accessor pair writes through the flyweight and the bytes
 * land, little-endian, at that field's {@code *_OFFSET} (which HeaderLayoutTest checks against
 * gcc) and nowhere else; raw bytes written at the offset read back through the getter.
 * The struct is wrapped at a non-zero offset, so a forgotten {@code offset +} shows.
 */
class FlyweightRoundTripTest {

    private static final int BASE = 24;

    static final List<Class<?>> FLYWEIGHTS = List.of(
            MulticallEntryFlyweight.class, MmuUpdateFlyweight.class, EvtchnAllocUnboundFlyweight.class,
            EvtchnBindInterdomainFlyweight.class, EvtchnBindVirqFlyweight.class, EvtchnBindIpiFlyweight.class,
            EvtchnCloseFlyweight.class, EvtchnSendFlyweight.class, EvtchnStatusFlyweight.class,
            EvtchnUnmaskFlyweight.class, GrantEntryV1Flyweight.class, GnttabSetupTableFlyweight.class,
            GnttabQuerySizeFlyweight.class, GnttabMapGrantRefFlyweight.class, GnttabUnmapGrantRefFlyweight.class,
            GnttabCopyFlyweight.class, SchedShutdownFlyweight.class, SchedPollFlyweight.class,
            SchedRemoteShutdownFlyweight.class, XenMemoryReservationFlyweight.class, XenconsInterfaceFlyweight.class,
            XsdSockmsgFlyweight.class, BlkifRequestSegmentFlyweight.class, BlkifRequestFlyweight.class,
            BlkifResponseFlyweight.class, BlkifSringFlyweight.class, VcpuTimeInfoFlyweight.class,
            VcpuInfoFlyweight.class, SharedInfoFlyweight.class, StartInfoFlyweight.class, XenDomctlFlyweight.class,
            DomctlCreateDomainFlyweight.class, DomctlGetDomainInfoFlyweight.class, DomctlMaxMemFlyweight.class,
            DomctlMaxVcpusFlyweight.class, DomctlSchedulerOpFlyweight.class, DomctlVcpuAffinityFlyweight.class,
            DomctlShadowOpFlyweight.class, XenSysctlFlyweight.class, SysctlPhysinfoFlyweight.class,
            SysctlGetDomainInfoListFlyweight.class, SysctlSchedIdFlyweight.class, DomusAsyncRequestFlyweight.class,
            DomusAsyncResponseFlyweight.class, XenstoreDomainInterfaceFlyweight.class,
            VcpuSetSingleshotTimerFlyweight.class, VcpuSetPeriodicTimerFlyweight.class, VcpuRunstateInfoFlyweight.class,
            EvtchnBindVcpuFlyweight.class, XenFeatureInfoFlyweight.class, XenAddToPhysmapFlyweight.class,
            XenMemoryExchangeFlyweight.class, DomctlGetVcpuInfoFlyweight.class, DomctlDomusKernelFlyweight.class);

    @TestFactory
    Stream<DynamicTest> everyAccessorHitsItsXenOffset() {
        assertEquals(Flyweights.LAYOUTS.size(), FLYWEIGHTS.size(), "a flyweight is missing from this test");
        return FLYWEIGHTS.stream().map(c -> DynamicTest.dynamicTest(c.getSimpleName(), () -> checkFlyweight(c)));
    }

    private static void checkFlyweight(Class<?> type) throws Throwable {
        int length = type.getField("LENGTH").getInt(null);
        Object fw = type.getConstructor().newInstance();
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[BASE + length + BASE]);
        type.getMethod("wrap", org.agrona.MutableDirectBuffer.class, int.class).invoke(fw, buffer, BASE);
        int accessors = 0;
        for (Method getter : type.getDeclaredMethods()) {
            if (!Modifier.isPublic(getter.getModifiers()) || getter.getName().startsWith("wrapped")) {
                continue;
            }
            Class<?>[] p = getter.getParameterTypes();
            boolean scalar = p.length == 0 && (getter.getReturnType() == int.class || getter.getReturnType() == long.class);
            boolean indexed = p.length == 1 && p[0] == int.class && !getter.getName().endsWith("Offset")
                    && (getter.getReturnType() == int.class || getter.getReturnType() == long.class);
            if (!scalar && !indexed) {
                continue;
            }
            Class<?> vt = getter.getReturnType();
            Method setter = indexed ? type.getMethod(getter.getName(), int.class, vt) : type.getMethod(getter.getName(), vt);
            int fieldOffset = offsetConstant(type, getter.getName());
            if (indexed) {
                int count = countConstant(type, getter.getName());
                checkAccessor(fw, buffer, length, getter, setter, fieldOffset, 0, count);
                checkAccessor(fw, buffer, length, getter, setter, fieldOffset, count - 1, count);
                assertThrows(IndexOutOfBoundsException.class, () -> invoke(getter, fw, count));
                assertThrows(IndexOutOfBoundsException.class, () -> invoke(getter, fw, -1));
            } else {
                checkAccessor(fw, buffer, length, getter, setter, fieldOffset, -1, 0);
            }
            accessors++;
        }
        assertTrue(accessors > 0, type.getSimpleName() + " has no accessors");
        String text = fw.toString();
        String structName = ((StructLayout) type.getField("LAYOUT").get(null)).name();
        assertTrue(text.startsWith(structName + "{"), text);
    }

    /** Writes a value whose every byte is non-zero, and finds where it landed. */
    private static void checkAccessor(Object fw, UnsafeBuffer buffer, int length, Method getter, Method setter,
                                      int fieldOffset, int index, int count) throws Throwable {
        String what = fw.getClass().getSimpleName() + "." + getter.getName() + (index >= 0 ? "[" + index + "]" : "");
        buffer.setMemory(0, buffer.capacity(), (byte) 0);
        boolean isLong = getter.getReturnType() == long.class;
        long pattern = 0x8182838485868788L;
        if (isLong) {
            set(setter, fw, index, pattern);
        } else {
            set(setter, fw, index, (int) pattern);
        }
        int lo = -1;
        int hi = -1;
        for (int i = 0; i < buffer.capacity(); i++) {
            if (buffer.getByte(i) != 0) {
                if (lo < 0) {
                    lo = i;
                }
                hi = i + 1;
            }
        }
        int width = hi - lo;
        assertTrue(width == 1 || width == 2 || width == 4 || width == 8, what + " wrote " + width + " bytes");
        int expectedAt = BASE + fieldOffset + (index >= 0 ? index * width : 0);
        assertEquals(expectedAt, lo, what + " wrote at the wrong offset");
        assertTrue(hi <= BASE + length, what + " wrote past the struct");
        // Little-endian: the least significant byte first.
        for (int b = 0; b < width; b++) {
            assertEquals((byte) (pattern >>> (8 * b)), buffer.getByte(lo + b), what + " byte " + b);
        }
        long mask = width == 8 ? -1L : (1L << (8 * width)) - 1;
        long got = ((Number) get(getter, fw, index)).longValue();
        long signExtended = (pattern << (64 - 8 * width)) >> (64 - 8 * width);
        assertTrue(got == (pattern & mask) || got == signExtended
                        || (!isLong && width == 4 && got == (int) pattern),
                what + " read back " + Long.toHexString(got));
        // The reverse: raw little-endian bytes at Xen's offset, read through the getter.
        buffer.setMemory(0, buffer.capacity(), (byte) 0);
        long small = 0x2A;
        switch (width) {
            case 1 -> buffer.putByte(expectedAt, (byte) small);
            case 2 -> buffer.putShort(expectedAt, (short) small, ByteOrder.LITTLE_ENDIAN);
            case 4 -> buffer.putInt(expectedAt, (int) small, ByteOrder.LITTLE_ENDIAN);
            default -> buffer.putLong(expectedAt, small, ByteOrder.LITTLE_ENDIAN);
        }
        assertEquals(small, ((Number) get(getter, fw, index)).longValue(), what + " raw read");
    }

    private static Object get(Method getter, Object fw, int index) throws Throwable {
        return index >= 0 ? invoke(getter, fw, index) : invoke(getter, fw);
    }

    private static void set(Method setter, Object fw, int index, Object value) throws Throwable {
        if (index >= 0) {
            invoke(setter, fw, index, value);
        } else {
            invoke(setter, fw, value);
        }
    }

    private static Object invoke(Method m, Object target, Object... args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * The {@code *_OFFSET} constant of an accessor: its words, in order, within the
     * constant's words (union and nested-struct names such as {@code U} or {@code DOMU} may
     * sit between them). Exactly one constant must match.
     */
    static int offsetConstant(Class<?> type, String accessor) throws IllegalAccessException {
        return matchConstant(type, accessor, "_OFFSET");
    }

    private static int countConstant(Class<?> type, String accessor) throws IllegalAccessException {
        return matchConstant(type, accessor, "_COUNT");
    }

    private static int matchConstant(Class<?> type, String accessor, String suffix) throws IllegalAccessException {
        List<String> words = new ArrayList<>();
        for (String w : accessor.split("(?<=[a-z0-9])(?=[A-Z])")) {
            words.add(w.toUpperCase(Locale.ROOT));
        }
        Field found = null;
        for (Field f : type.getFields()) {
            String n = f.getName();
            if (!n.endsWith(suffix)) {
                continue;
            }
            String[] parts = n.substring(0, n.length() - suffix.length()).replace("__", "_").split("_");
            List<String> segs = new ArrayList<>(List.of(parts));
            if (!segs.isEmpty() && segs.get(0).isEmpty()) {
                segs.remove(0);
            }
            if (segs.get(0).equals("U") && !words.get(0).equals("U")) {
                segs.remove(0);
            }
            if (isOrderedSubsequence(words, segs) && segs.get(0).equals(words.get(0))
                    && segs.get(segs.size() - 1).equals(words.get(words.size() - 1))) {
                if (found != null && found.getName().length() <= n.length()) {
                    continue; // prefer the tightest match (ARGS_OFFSET over ARGS_X_OFFSET)
                }
                found = f;
            }
        }
        if (found == null) {
            fail(type.getSimpleName() + "." + accessor + " has no " + suffix + " constant");
        }
        return found.getInt(null);
    }

    private static boolean isOrderedSubsequence(List<String> words, List<String> segs) {
        int i = 0;
        for (String s : segs) {
            if (i < words.size() && words.get(i).equals(s)) {
                i++;
            }
        }
        return i == words.size();
    }
}
