package dev.domus.hv.loader;

import java.util.List;

/**
 * A guest kernel (or the SDK copy it would run with) was refused by the verifier. The
 * message names, for each problem, the class, the method and the offending reference or
 * instruction, and why it is refused; nothing of the guest has run.
 */
public final class GuestVerificationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** At most this many problems are spelled out in the message. */
    static final int MAX_LISTED = 20;

    private final transient List<String> problems;

    public GuestVerificationException(String source, List<String> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each: {@code class C, method m(desc): what and why}. */
    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems) {
        StringBuilder sb = new StringBuilder("guest code refused by the verifier (")
                .append(source).append("): ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (int i = 0; i < Math.min(MAX_LISTED, problems.size()); i++) {
            sb.append("\n  ").append(problems.get(i));
        }
        if (problems.size() > MAX_LISTED) {
            sb.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return sb.toString();
    }
}
