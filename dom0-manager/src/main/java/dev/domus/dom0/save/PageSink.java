package dev.domus.dom0.save;

/** Receives an image's pages as {@link ImageReader} reads them. */
@FunctionalInterface
public interface PageSink {

    /**
     * One PFN: {@code type} is {@link ImageFormat#PAGE_NORMAL} (contents at
     * {@code data[off..off+4096)}), {@link ImageFormat#PAGE_ZERO} or {@link ImageFormat#PAGE_ABSENT}
     * ({@code data} is then null).
     */
    void page(long pfn, long type, byte[] data, int off) throws Exception;
}
