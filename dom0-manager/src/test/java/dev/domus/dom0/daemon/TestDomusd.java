package dev.domus.dom0.daemon;

/** {@link Domusd}'s real entry point with the {@link CountingHost} behind the journal. */
public final class TestDomusd {

    private TestDomusd() {
    }

    public static void main(String[] args) {
        Domusd.factory = CountingHost.factory();
        Domusd.main(args);
    }
}
