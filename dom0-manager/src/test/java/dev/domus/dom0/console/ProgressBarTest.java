package dev.domus.dom0.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void drawsInPlaceWithRateAndTimeLeftAndEndsTheLine() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw));
        bar.update("op=migrate round=1 last=0 done=0 total=4096 bytes=0", 0);
        bar.update("op=migrate round=1 last=0 done=1024 total=4096 bytes=4194304", 1_000_000_000L);
        String frames = sw.toString();
        assertTrue(frames.startsWith("\rmigrate round 1 [------------------------]   0%  0/4096 pages"), frames);
        String last = frames.substring(frames.lastIndexOf('\r') + 1);
        assertEquals("migrate round 1 [######------------------]  25%  1024/4096 pages  4.0 MiB  4.0 MiB/s  ETA 3.0s",
                last.stripTrailing());
        assertTrue(!frames.contains("\n"), "no newline while drawing");
        bar.update("op=migrate round=2 last=1 done=10 total=10 bytes=5242880", 2_000_000_000L);
        String done = sw.toString().substring(sw.toString().lastIndexOf('\r') + 1);
        assertTrue(done.startsWith("migrate round 2 (stop-and-copy) [########################] 100%"), done);
        bar.finish();
        assertTrue(sw.toString().endsWith("\n"));
    }

    @Test
    void aShorterFrameBlanksTheRestOfTheLongerOne() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw));
        bar.update("op=save done=1 total=2 bytes=1048576000", 0);
        int longer = sw.toString().length() - 1;
        bar.update("op=save done=2 total=2 bytes=1", 1_000_000_000L);
        String last = sw.toString().substring(sw.toString().lastIndexOf('\r') + 1);
        assertTrue(last.length() >= longer, last);
    }

    @Test
    void badReportsDrawSomethingSaneRatherThanFail() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw));
        bar.update("garbage done=x total=", 0);
        assertTrue(sw.toString().contains("100%"), sw.toString());
        new ProgressBar(new PrintWriter(sw)).finish();
    }
}
