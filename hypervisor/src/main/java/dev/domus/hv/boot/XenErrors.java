package dev.domus.hv.boot;

import dev.domus.abi.XenErrno;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

/** Names of XEN_E* values for messages ({@code -22} gives "XEN_EINVAL"). */
final class XenErrors {

    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        for (Field f : XenErrno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    NAMES.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
    }

    private XenErrors() {
    }

    static String name(long rc) {
        String n = NAMES.get((int) Math.abs(rc));
        return n == null ? String.valueOf(rc) : n;
    }
}
