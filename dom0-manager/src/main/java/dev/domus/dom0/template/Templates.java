package dev.domus.dom0.template;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntPredicate;

import dev.domus.dom0.config.DomainConfig;
import dev.domus.dom0.save.DomainLoader;
import dev.domus.dom0.save.ImageException;
import dev.domus.dom0.save.ImageReader;
import dev.domus.dom0.save.SavedDomainInfo;
import dev.domus.dom0.save.SavedImage;
import dev.domus.hv.boot.BuiltDomain;
import dev.domus.hv.boot.Dom0;
import dev.domus.hv.boot.DomainBuildException;
import dev.domus.hv.boot.DomainBuilder;
import dev.domus.hv.boot.DomainSpec;

/**
 * The host's templates: saved images registered under the home ({@link TemplateStore}), each
 * loaded once into host memory as a paused domain that never runs (hidden from {@code domus
 * list}; {@code domus template list} shows its domid). A domain created from a template gets the
 * template's memory copy-on-write ({@link TemplateForker}) and resumes from the template's saved
 * point with its own name, domid, devices and command line.
 *
 * <p>{@link #remove} destroys the template domain at once, but frames that guests created from it
 * still map stay allocated (they are reference-counted copy-on-write frames) until those guests
 * write the pages or are destroyed; nothing a guest reads changes.
 *
 * <p>A template is loaded when it is added, and after a domusd restart on its first use.
 * Thread-safe (every method synchronizes on this object).
 */
public final class Templates {

    /**
     * A template in host memory.
     *
     * @param name   its name
     * @param domid  the paused domain holding its pages
     * @param image  the image, as verified (its info, config and xenstore subtree)
     */
    public record Loaded(String name, int domid, SavedImage image) {

        public SavedDomainInfo info() {
            return image.info();
        }
    }

    private final Dom0 dom0;
    private final TemplateStore store;
    private final IntPredicate domainExists;
    private final IntPredicate destroyDomain;
    private final Map<String, Loaded> loaded = new HashMap<>();
    private final Map<String, List<Integer>> children = new HashMap<>();

    /**
     * @param domainExists  whether a domid names a live domain (for counting a template's guests)
     * @param destroyDomain destroys a domain; true on success
     */
    public Templates(Dom0 dom0, Path home, IntPredicate domainExists, IntPredicate destroyDomain) {
        this.dom0 = dom0;
        this.store = new TemplateStore(home);
        this.domainExists = domainExists;
        this.destroyDomain = destroyDomain;
    }

    /** {@code domus template add NAME FILE}: registers and loads a saved image; refused with nothing changed if bad. */
    public synchronized String add(String name, String file) throws TemplateException {
        TemplateStore.checkName(name);
        if (store.exists(name) || loaded.containsKey(name)) {
            throw new TemplateException("a template named " + name + " already exists: remove it first (domus template rm "
                    + name + ") or choose another name");
        }
        Path image = Path.of(file);
        if (!Files.isRegularFile(image)) {
            throw new TemplateException(file + " is not a file: give the image domus save wrote");
        }
        SavedImage img = verify(image, file);
        Path copy = store.add(name, image);
        Loaded t;
        try {
            t = load(name, copy, img);
        } catch (TemplateException e) {
            store.remove(name);
            throw e;
        }
        SavedDomainInfo i = t.info();
        return String.format("added template %s from %s: %s, %d MiB (%d pages) held once by paused domain %d",
                name, file, i.kernelClass(), i.memoryKb() / 1024, i.nrPages(), t.domid());
    }

    /**
     * The template a config may be created from, loaded; refused if unknown, its image is
     * corrupt, or the config does not fit it (another kernel, memory size or vCPU count, or a
     * smaller maxmem than the template was saved with).
     */
    public synchronized Loaded prepare(String name, DomainConfig cfg) throws TemplateException {
        TemplateStore.checkName(name);
        Loaded t = loaded.get(name);
        if (t == null) {
            if (!store.exists(name)) {
                throw new TemplateException("no template named " + name + ": add one with domus template add " + name
                        + " FILE (domus template list shows them)");
            }
            Path path = store.path(name);
            SavedImage img = verify(path, "template " + name + " (" + path + ")");
            check(name, img.info(), cfg);
            return load(name, path, img);
        }
        check(name, t.info(), cfg);
        return t;
    }

    private static void check(String name, SavedDomainInfo i, DomainConfig cfg) throws TemplateException {
        String src = cfg.source() == null ? "the config" : cfg.source().toString();
        String jar = cfg.kernelJar() == null ? "" : cfg.kernelJar().toString();
        if (!i.kernelClass().equals(cfg.kernel()) || !i.classPath().equals(jar)) {
            throw new TemplateException("template " + name + " was saved from kernel " + i.kernelClass()
                    + (i.classPath().isEmpty() ? "" : " (" + i.classPath() + ")") + ", but " + src + " names " + cfg.kernel()
                    + (jar.isEmpty() ? "" : " (" + jar + ")") + ": set kernel to the template's");
        }
        if (cfg.memoryMib() * 1024 != i.memoryKb() || cfg.memoryMib() * 256 != i.nrPages()) {
            throw new TemplateException("memory = " + cfg.memoryMib() + " MiB in " + src + ", but template " + name
                    + " holds " + i.memoryKb() / 1024 + " MiB: set memory = " + i.memoryKb() / 1024);
        }
        if (i.maxMemoryKb() > cfg.maxmemMib() * 1024) {
            throw new TemplateException("template " + name + " was saved with maxmem = " + i.maxMemoryKb() / 1024
                    + " MiB, more than maxmem = " + cfg.maxmemMib() + " MiB in " + src + ": raise maxmem to at least "
                    + i.maxMemoryKb() / 1024);
        }
        if (cfg.vcpus() != i.vcpus()) {
            throw new TemplateException("vcpus = " + cfg.vcpus() + " in " + src + ", but template " + name + " was saved with "
                    + i.vcpus() + ": set vcpus = " + i.vcpus());
        }
    }

    /**
     * Gives {@code child} (built paused from a config {@link #prepare} accepted) the template's
     * memory copy-on-write, all but its own special frames.
     */
    public synchronized TemplateForker.Result fork(Loaded t, BuiltDomain child) throws TemplateException {
        TreeSet<Long> special = new TreeSet<>(List.of(child.startInfoPfn(), child.sharedInfoPfn(), child.storePfn(),
                child.consolePfn()));
        for (long p : t.info().specialPfns()) {
            special.add(p);
        }
        TemplateForker.Result r = new TemplateForker(dom0).fork(t.domid(), child.domid(), t.info().nrPages(), special);
        children.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(child.domid());
        return r;
    }

    /**
     * {@code domus template rm NAME}: destroys the template domain and removes the image. Guests
     * created from it keep running; the frames they still share stay until they write or go.
     */
    public synchronized String remove(String name) throws TemplateException {
        TemplateStore.checkName(name);
        Loaded t = loaded.get(name);
        if (t == null && !store.exists(name)) {
            throw new TemplateException("no template named " + name + " (domus template list shows them)");
        }
        if (t != null) {
            if (!destroyDomain.test(t.domid())) {
                throw new TemplateException("cannot destroy template domain " + t.domid() + "; template " + name + " stays");
            }
            loaded.remove(name);
        }
        store.remove(name);
        int guests = guests(name);
        children.remove(name);
        return "removed template " + name + (guests == 0 ? ""
                : "; " + guests + " guest" + (guests == 1 ? "" : "s") + " created from it keep"
                + (guests == 1 ? "s" : "") + " the pages they share until they write them or are destroyed");
    }

    /** {@code domus template list}: name, template domid (- if not loaded), memory, kernel, live guests from it. */
    public synchronized String list(boolean json) {
        StringBuilder sb = new StringBuilder(json ? "[" : String.format("%-20s %6s %8s %6s  %s%n", "Name", "Domid",
                "Mem(MiB)", "Guests", "Kernel"));
        boolean firstRow = true;
        for (String name : store.names()) {
            Loaded t = loaded.get(name);
            String domid = t == null ? "-" : Integer.toString(t.domid());
            String mem = t == null ? "-" : Long.toString(t.info().memoryKb() / 1024);
            String kernel = t == null ? "-" : t.info().kernelClass();
            int guests = guests(name);
            if (json) {
                sb.append(firstRow ? "" : ",").append("{\"name\":\"").append(name).append("\",\"domid\":")
                        .append(t == null ? "null" : domid).append(",\"memory_mib\":").append(t == null ? "null" : mem)
                        .append(",\"guests\":").append(guests).append(",\"kernel\":")
                        .append(t == null ? "null" : "\"" + kernel + "\"").append('}');
                firstRow = false;
            } else {
                sb.append(String.format("%-20s %6s %8s %6d  %s%n", name, domid, mem, guests, kernel));
            }
        }
        return json ? sb.append("]\n").toString() : sb.toString();
    }

    /** The template domains' domids (for tests and reports). */
    public synchronized Map<String, Integer> domids() {
        Map<String, Integer> out = new HashMap<>();
        loaded.forEach((n, t) -> out.put(n, t.domid()));
        return out;
    }

    private int guests(String name) {
        List<Integer> c = children.get(name);
        if (c == null) {
            return 0;
        }
        c.removeIf(d -> !domainExists.test(d));
        return c.size();
    }

    private static SavedImage verify(Path image, String what) throws TemplateException {
        try {
            return ImageReader.verify(image);
        } catch (ImageException e) {
            throw new TemplateException(what + " is not a usable save image: " + e.getMessage());
        }
    }

    /** Builds the paused template domain and loads the image's pages into it; on failure nothing remains. */
    private Loaded load(String name, Path path, SavedImage img) throws TemplateException {
        SavedDomainInfo i = img.info();
        BuiltDomain b;
        try {
            DomainSpec spec = new DomainSpec(i.kernelClass(), i.classPath(), i.memoryKb(), i.maxMemoryKb(), i.vcpus(),
                    i.cmdline(), 0, true, true, 0);
            b = new DomainBuilder(dom0).build(spec);
        } catch (DomainBuildException | IllegalArgumentException e) {
            throw new TemplateException("cannot load template " + name + ": " + e.getMessage());
        }
        try {
            new DomainLoader(dom0).load(path, b.domid(), i);
        } catch (ImageException | RuntimeException e) {
            destroyDomain.test(b.domid());
            throw new TemplateException("cannot load template " + name + " from " + path + ": " + e.getMessage());
        }
        Loaded t = new Loaded(name, b.domid(), img);
        loaded.put(name, t);
        return t;
    }
}
