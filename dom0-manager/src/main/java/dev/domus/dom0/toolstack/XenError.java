package dev.domus.dom0.toolstack;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

import dev.domus.abi.XenErrno;

/** Names a hypercall's negated error for messages: {@code -22} → {@code XEN_EINVAL}. */
final class XenError {

    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        for (Field f : XenErrno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                try {
                    NAMES.putIfAbsent(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private XenError() {
    }

    static String name(long rc) {
        return NAMES.getOrDefault((int) -rc, "error " + rc);
    }
}
