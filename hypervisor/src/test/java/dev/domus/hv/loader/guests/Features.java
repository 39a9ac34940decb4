package dev.domus.hv.loader.guests;

import dev.domus.abi.GuestKernel;
import dev.domus.abi.VcpuContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntBinaryOperator;
import java.util.function.Supplier;

/**
 * A well-behaved guest that uses the language broadly (records, enums, switches, lambdas,
 * method references, string concatenation, collections, exceptions, try-with-resources,
 * multi-dimensional arrays, clones, labelled loops, static initializers, inheritance). Its
 * {@link #compute()} must give the same answer loaded plainly and loaded through the
 * verifier and the instrumentation.
 */
public class Features implements GuestKernel {

    record Point(int x, int y) {
        Point {
            if (x < -1000) {
                throw new IllegalArgumentException("x " + x);
            }
        }

        int dot(Point o) {
            return x * o.x + y * o.y;
        }
    }

    enum Colour { RED, GREEN, BLUE }

    interface Shape {
        double area();

        default String describe() {
            return getClass().getSimpleName() + "(" + Math.round(area() * 100) / 100.0 + ")";
        }
    }

    static final class Square implements Shape {
        final double side;

        Square(double side) {
            this.side = side;
        }

        @Override
        public double area() {
            return side * side;
        }
    }

    static class Base {
        protected int weight() {
            return 1;
        }
    }

    static final class Derived extends Base {
        @Override
        protected int weight() {
            return super.weight() + 41;
        }
    }

    static final class Resource implements AutoCloseable {
        final StringBuilder log;

        Resource(StringBuilder log) {
            this.log = log;
            log.append("open;");
        }

        @Override
        public void close() {
            log.append("close;");
        }
    }

    static final class GuestException extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        GuestException(int code) {
            super("code " + code);
            this.code = code;
        }
    }

    static final int[] PRIMES;

    static {
        BitSet composite = new BitSet(200);
        List<Integer> primes = new ArrayList<>();
        for (int i = 2; i < 200; i++) {
            if (!composite.get(i)) {
                primes.add(i);
                for (int j = i * i; j < 200; j += i) {
                    composite.set(j);
                }
            }
        }
        PRIMES = toArray(primes);
    }

    private static int[] toArray(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    static int colourValue(Colour c) {
        return switch (c) {
            case RED -> 1;
            case GREEN -> 2;
            case BLUE -> 3;
        };
    }

    static int wordValue(String w) {
        switch (w) {
            case "alpha":
                return 10;
            case "beta":
                return 20;
            default:
                return w.length();
        }
    }

    static int sum(int... xs) {
        int s = 0;
        for (int x : xs) {
            s += x;
        }
        return s;
    }

    static void mayThrow(int i) throws GuestException {
        if (i % 3 == 0) {
            throw new GuestException(i);
        }
    }

    /** The guest's whole computation, as one string. */
    public static String compute() {
        StringBuilder out = new StringBuilder();
        Point p = new Point(3, 4);
        Point q = new Point(-2, 5);
        out.append(p).append(p.equals(new Point(3, 4))).append(p.hashCode() == new Point(3, 4).hashCode())
                .append(p.dot(q)).append(';');
        for (Colour c : Colour.values()) {
            out.append(c.name().toLowerCase()).append(colourValue(c)).append(Colour.valueOf(c.name()).ordinal());
        }
        out.append(wordValue("alpha") + wordValue("beta") + wordValue("gamma")).append(';');

        int base = 7;
        IntBinaryOperator add = (a, b) -> a + b + base;
        Function<Integer, String> hex = Integer::toHexString;
        Supplier<List<String>> fresh = ArrayList::new;
        List<String> words = fresh.get();
        for (int i = 0; i < 12; i++) {
            words.add(hex.apply(add.applyAsInt(i, i * i)));
        }
        words.sort(Comparator.comparing(String::length).thenComparing(Comparator.reverseOrder()));
        out.append(String.join(",", words)).append(';');

        Map<String, Integer> counts = new HashMap<>();
        for (String w : "the quick brown fox jumps over the lazy dog the end".split(" ")) {
            counts.merge(w, 1, Integer::sum);
        }
        out.append(new TreeMap<>(counts)).append(';');

        PriorityQueue<Integer> pq = new PriorityQueue<>(Collections.reverseOrder());
        Deque<Integer> dq = new ArrayDeque<>();
        for (int x : PRIMES) {
            pq.add(x % 17);
            dq.addFirst(x);
        }
        out.append(pq.poll()).append(dq.peekFirst()).append(dq.peekLast()).append(';');

        int[][] grid = new int[4][5];
        long[][][] cube = new long[2][3][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                grid[i][j] = i * j;
            }
        }
        cube[1][2][3] = 99;
        int[] row = grid[3].clone();
        Arrays.sort(row);
        out.append(Arrays.toString(row)).append(cube[1][2][3]).append(Arrays.deepToString(grid)).append(';');

        int found = -1;
        outer:
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                if (i * j == 42) {
                    found = i * 10 + j;
                    break outer;
                }
                if (j > i) {
                    continue outer;
                }
            }
        }
        out.append(found).append(';');

        int caught = 0;
        int finallies = 0;
        for (int i = 0; i < 10; i++) {
            try {
                mayThrow(i);
            } catch (GuestException e) {
                caught += e.code;
            } finally {
                finallies++;
            }
        }
        try {
            Object o = "not a number";
            Integer bad = (Integer) o;
            out.append(bad);
        } catch (ClassCastException e) {
            out.append("cce;");
        }
        try (Resource r = new Resource(out)) {
            out.append("body;");
        }
        out.append(caught).append(finallies).append(';');

        Shape s = new Square(1.5);
        Object anything = s;
        if (anything instanceof Square sq && sq.side > 1) {
            out.append(s.describe());
        }
        out.append(new Derived().weight()).append(sum(1, 2, 3, 4)).append(sum());
        Optional<String> longest = words.isEmpty() ? Optional.empty()
                : Optional.of(Collections.max(words, Comparator.comparing(String::length)));
        out.append(longest.orElse("none")).append(Math.floorMod(-7, 3)).append(Long.toBinaryString(10L));
        Iterator<String> it = words.iterator();
        int n = 0;
        while (it.hasNext()) {
            n += it.next().length();
        }
        out.append(n).append(String.format("%05d|%s", 42, 'x'));
        return out.toString();
    }

    @Override
    public void start(VcpuContext vcpu) {
        vcpu.gate().call(RunningGuests.DONE, compute().hashCode());
    }
}
