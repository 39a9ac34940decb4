package dev.domus.hv.loader;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one place that says which host classes guest code may use: the JDK allow-list, the
 * part of {@code hypercall-abi} guests see, and the classes the JVM needs for the three
 * permitted {@code invokedynamic} bootstraps. Everything not listed here is refused by the
 * {@link GuestVerifier} and cannot be loaded by a {@link GuestClassLoader}.
 *
 * <h2>Rules, one line per class ({@link #JDK_RULES})</h2>
 * <ul>
 *   <li>{@code java/util/ArrayList} — every member may be used;</li>
 *   <li>{@code java/lang/Object -wait -notify} — every member but the named ones;</li>
 *   <li>{@code java/lang/Class +getName +cast} — only the named members;</li>
 *   <li>a member may carry its descriptor: {@code -<init>()V} refuses the no-argument
 *       constructor only;</li>
 *   <li>{@code java/util/function/*} — every class of that package.</li>
 * </ul>
 * On top of these rules, every type in the descriptor of a member a guest uses must itself
 * be allowed, so {@code Collection.stream()} is refused because {@code Stream} is not listed.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li>{@code Object.wait/notify/notifyAll}: refused. A vCPU blocked on a Java monitor
 *       would keep its pCPU run token; guests use spin locks on guest memory.</li>
 *   <li>{@code String.intern}: refused. The intern table is shared by the whole host.</li>
 *   <li>{@code Class}: only naming and type tests ({@code getName}, {@code isInstance},
 *       {@code cast}, {@code desiredAssertionStatus} for {@code assert}, ...), never
 *       {@code forName}, members, loaders or resources.</li>
 *   <li>{@code Thread}: only {@code onSpinWait} (a spin-loop hint, for those spin locks).</li>
 *   <li>{@code System}: only {@code arraycopy} and {@code identityHashCode}; time comes from
 *       the hypervisor's shared_info, not the JDK.</li>
 *   <li>{@code Math.random}, {@code new Random()}: refused (host-seeded, not reproducible);
 *       {@code new Random(seed)} is fine.</li>
 *   <li>{@code Integer.getInteger}, {@code Long.getLong}, {@code Boolean.getBoolean}: refused
 *       (they read system properties).</li>
 *   <li>{@code Throwable.printStackTrace/getStackTrace/setStackTrace}: refused (host's
 *       stderr, host frames).</li>
 *   <li>{@code Arrays.parallel*}: refused (they run guest comparators on the host's
 *       fork-join pool); {@code Collections.synchronized*}: refused (monitors).
 *       {@code java.util.stream} is not listed (parallel streams too).</li>
 *   <li>Collections that synchronize internally ({@code Vector}, {@code Hashtable},
 *       {@code Stack}, {@code StringBuffer}, {@code Properties}) and everything in
 *       {@code java.util.concurrent} are not listed.</li>
 *   <li>Lambdas, string concatenation and records: {@code invokedynamic} with
 *       {@code LambdaMetafactory.metafactory}, {@code StringConcatFactory.makeConcatWithConstants}
 *       or {@code ObjectMethods.bootstrap} only ({@code altMetafactory}, used for serializable
 *       lambdas, is refused). The implementation method a lambda names is checked like a call.</li>
 *   <li>Errors such as {@code StackOverflowError} may be named and caught, but the
 *       instrumentation rethrows every {@code VirtualMachineError} at the start of the
 *       handler, so catching them changes nothing.</li>
 *   <li>{@code dev.domus.abi}: every class of the package itself (interfaces and constants),
 *       never its sub-packages ({@code dev.domus.abi.flyweight} is Agrona-based and host-only).</li>
 * </ul>
 */
public final class GuestAllowList {

    private GuestAllowList() {
    }

    /** The JDK allow-list, in the format described in the class comment. */
    public static final String JDK_RULES = """
            java/lang/Object -wait()V -wait(J)V -wait(JI)V -notify()V -notifyAll()V -finalize()V
            java/lang/String -intern
            java/lang/StringBuilder
            java/lang/CharSequence
            java/lang/Comparable
            java/lang/Iterable
            java/lang/AutoCloseable
            java/lang/Runnable
            java/lang/Cloneable
            java/lang/Appendable
            java/lang/Math -random
            java/lang/StrictMath -random
            java/lang/Number
            java/lang/Integer -getInteger
            java/lang/Long -getLong
            java/lang/Short
            java/lang/Byte
            java/lang/Character
            java/lang/Boolean -getBoolean
            java/lang/Float
            java/lang/Double
            java/lang/Void
            java/lang/Enum
            java/lang/Record
            java/lang/Class +getName +getSimpleName +getTypeName +isInstance +cast +isArray +isPrimitive +isInterface +isEnum +isRecord +isAssignableFrom +getComponentType +desiredAssertionStatus +toString +hashCode +equals
            java/lang/Thread +onSpinWait
            java/lang/System +arraycopy +identityHashCode
            java/lang/Throwable -printStackTrace -getStackTrace -setStackTrace
            java/lang/Exception
            java/lang/RuntimeException
            java/lang/Error
            java/lang/AssertionError
            java/lang/IllegalArgumentException
            java/lang/IllegalStateException
            java/lang/NullPointerException
            java/lang/IndexOutOfBoundsException
            java/lang/ArrayIndexOutOfBoundsException
            java/lang/StringIndexOutOfBoundsException
            java/lang/ArithmeticException
            java/lang/ClassCastException
            java/lang/UnsupportedOperationException
            java/lang/NumberFormatException
            java/lang/ArrayStoreException
            java/lang/NegativeArraySizeException
            java/lang/CloneNotSupportedException
            java/lang/NoSuchFieldError
            java/lang/IncompatibleClassChangeError
            java/lang/VirtualMachineError
            java/lang/StackOverflowError
            java/lang/OutOfMemoryError
            java/math/BigInteger
            java/math/BigDecimal
            java/math/RoundingMode
            java/math/MathContext
            java/nio/charset/StandardCharsets
            java/nio/charset/Charset +name +toString +hashCode +equals +compareTo
            java/util/ArrayList
            java/util/LinkedList
            java/util/ArrayDeque
            java/util/HashMap
            java/util/LinkedHashMap
            java/util/TreeMap
            java/util/HashSet
            java/util/LinkedHashSet
            java/util/TreeSet
            java/util/PriorityQueue
            java/util/BitSet
            java/util/EnumMap
            java/util/EnumSet
            java/util/IdentityHashMap
            java/util/Arrays -parallelSort -parallelPrefix -parallelSetAll
            java/util/Collections -synchronizedCollection -synchronizedList -synchronizedMap -synchronizedSet -synchronizedSortedMap -synchronizedSortedSet -synchronizedNavigableMap -synchronizedNavigableSet
            java/util/Collection
            java/util/List
            java/util/Set
            java/util/SortedSet
            java/util/NavigableSet
            java/util/Map
            java/util/Map$Entry
            java/util/SortedMap
            java/util/NavigableMap
            java/util/Queue
            java/util/Deque
            java/util/Iterator
            java/util/ListIterator
            java/util/RandomAccess
            java/util/Comparator
            java/util/Objects
            java/util/Optional
            java/util/OptionalInt
            java/util/OptionalLong
            java/util/OptionalDouble
            java/util/StringJoiner
            java/util/HexFormat
            java/util/Base64
            java/util/Base64$Encoder
            java/util/Base64$Decoder
            java/util/Random -<init>()V
            java/util/AbstractCollection
            java/util/AbstractList
            java/util/AbstractSequentialList
            java/util/AbstractSet
            java/util/AbstractQueue
            java/util/AbstractMap
            java/util/AbstractMap$SimpleEntry
            java/util/AbstractMap$SimpleImmutableEntry
            java/util/NoSuchElementException
            java/util/ConcurrentModificationException
            java/util/function/*
            """;

    /**
     * Host classes a guest loader must hand to the JVM but guest code may not name: the
     * permitted bootstrap methods' classes and the types of their descriptors, and the
     * instrumentation's runtime.
     */
    static final Set<String> RUNTIME_ONLY = Set.of(
            "java/lang/invoke/LambdaMetafactory",
            "java/lang/invoke/StringConcatFactory",
            "java/lang/runtime/ObjectMethods",
            "java/lang/invoke/MethodHandles$Lookup",
            "java/lang/invoke/MethodHandles",
            "java/lang/invoke/MethodType",
            "java/lang/invoke/MethodHandle",
            "java/lang/invoke/CallSite",
            "java/lang/invoke/TypeDescriptor",
            "java/lang/invoke/LambdaForm$Hidden",
            "java/lang/invoke/LambdaForm$Compiled",
            GuestRuntime.INTERNAL_NAME);

    /** The three permitted bootstraps: owner, name, descriptor. */
    static final List<String> BOOTSTRAPS = List.of(
            "java/lang/invoke/LambdaMetafactory.metafactory(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)Ljava/lang/invoke/CallSite;",
            "java/lang/invoke/StringConcatFactory.makeConcatWithConstants(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/String;[Ljava/lang/Object;)Ljava/lang/invoke/CallSite;",
            "java/lang/runtime/ObjectMethods.bootstrap(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/TypeDescriptor;Ljava/lang/Class;Ljava/lang/String;[Ljava/lang/invoke/MethodHandle;)Ljava/lang/Object;");

    /** The package of {@code hypercall-abi} a guest sees (classes directly in it only). */
    static final String ABI_PACKAGE = "dev/domus/abi/";

    /** Rule of one allowed class. */
    record Rule(boolean onlyListed, Set<String> members) {

        /** Whether member {@code name} with descriptor {@code desc} may be used. */
        boolean permits(String name, String desc) {
            boolean listed = members.contains(name) || members.contains(name + desc);
            return onlyListed == listed;
        }
    }

    private static final Map<String, Rule> RULES = new HashMap<>();
    private static final Set<String> PACKAGES = new HashSet<>();

    static {
        for (String line : JDK_RULES.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words[0].isEmpty()) {
                continue;
            }
            if (words[0].endsWith("/*")) {
                PACKAGES.add(words[0].substring(0, words[0].length() - 1));
                continue;
            }
            boolean only = false;
            Set<String> members = new HashSet<>();
            for (int i = 1; i < words.length; i++) {
                only = words[i].charAt(0) == '+';
                members.add(words[i].substring(1));
            }
            RULES.put(words[0], new Rule(only, Set.copyOf(members)));
        }
    }

    /** The rule for an allowed JDK class, or null if the class is not on the list. */
    static Rule jdkRule(String internalName) {
        Rule r = RULES.get(internalName);
        if (r == null && PACKAGES.contains(packageOf(internalName))) {
            return new Rule(false, Set.of());
        }
        return r;
    }

    /** True for a class of the ABI package itself (not a sub-package). */
    static boolean isAbi(String internalName) {
        return internalName.startsWith(ABI_PACKAGE)
                && internalName.indexOf('/', ABI_PACKAGE.length()) < 0;
    }

    /** True for every host class a guest may name. */
    static boolean isAllowedHostClass(String internalName) {
        return isAbi(internalName) || jdkRule(internalName) != null;
    }

    /** True for every host class a guest class loader delegates to the host. */
    static boolean isDelegated(String internalName) {
        return isAllowedHostClass(internalName) || RUNTIME_ONLY.contains(internalName);
    }

    /** Why a host class outside the allow-list is refused, in words an author understands. */
    static String whyRefused(String internalName) {
        String n = internalName;
        if (n.equals("sun/misc/Unsafe") || n.equals("jdk/internal/misc/Unsafe")) {
            return "Unsafe is not available to guests";
        }
        if (n.startsWith("java/lang/reflect/") || n.equals("java/lang/Class")) {
            return "reflection is not available to guests";
        }
        if (n.startsWith("java/lang/invoke/")) {
            return "method handles are not available to guests";
        }
        if (n.startsWith("jdk/internal/") || n.startsWith("sun/") || n.startsWith("com/sun/")) {
            return "JDK internals are not available to guests";
        }
        if (n.startsWith("java/lang/Thread") || n.startsWith("java/util/concurrent/")
                || n.equals("java/util/Timer") || n.startsWith("java/lang/ThreadLocal")
                || n.equals("java/lang/InheritableThreadLocal")) {
            return "threads and java.util.concurrent are not available to guests";
        }
        if (n.contains("ClassLoader") || n.equals("java/lang/Module") || n.equals("java/lang/ModuleLayer")) {
            return "class loaders are not available to guests";
        }
        if (n.equals("java/lang/System") || n.equals("java/lang/Runtime")) {
            return "System/Runtime are not available to guests";
        }
        if (n.startsWith("java/lang/Process")) {
            return "processes are not available to guests";
        }
        if (n.equals("java/io/Serializable") || n.equals("java/io/Externalizable")
                || n.startsWith("java/io/Object")) {
            return "serialization is not available to guests";
        }
        if (n.startsWith("java/io/") || n.startsWith("java/nio/file/")) {
            return "files and streams are not available to guests";
        }
        if (n.startsWith("java/net/") || n.startsWith("java/nio/channels/")) {
            return "sockets are not available to guests";
        }
        if (n.startsWith("dev/domus/abi/flyweight/")) {
            return "the ABI flyweights are host-only (Agrona); write structs through GuestMemory";
        }
        if (n.startsWith("dev/domus/hv/") || n.startsWith("dev/domus/dom0/")
                || n.startsWith("dev/domus/sched/")) {
            return "hypervisor and Dom0 classes are not available to guests";
        }
        if (n.startsWith("org/agrona/")) {
            return "host libraries (Agrona) are not available to guests";
        }
        if (n.startsWith("java/util/stream/")) {
            return "streams are not available to guests (parallel streams run on host threads)";
        }
        if (n.equals("java/util/Vector") || n.equals("java/util/Hashtable") || n.equals("java/util/Stack")
                || n.equals("java/lang/StringBuffer") || n.equals("java/util/Properties")) {
            return "classes that synchronize internally are not available to guests";
        }
        return "not on the guest allow-list (GuestAllowList)";
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash + 1);
    }
}
