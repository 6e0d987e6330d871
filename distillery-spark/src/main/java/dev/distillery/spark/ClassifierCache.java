package dev.distillery.spark;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Manifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The classifiers of one JVM (a Spark executor, or the driver in local mode), loaded once per
 * model folder and shared by every task: a model is hundreds of megabytes and seconds to load,
 * a task a few thousand rows. Keyed by the folder and the SHA-256 of its manifest, so a folder
 * overwritten with another model (a new manifest) is loaded afresh and the old one let go.
 *
 * <p>A plain path is read in place and must exist on every executor (a shared file system, or
 * the same folder on each node). A URI with a scheme ({@code hdfs://}, {@code s3a://},
 * {@code file:/}) is read through Hadoop's {@link FileSystem} and copied once per JVM into a
 * local temporary folder first.
 */
public final class ClassifierCache {
    private static final Map<String, Classifier> LOADED = new ConcurrentHashMap<>();
    private static final Map<String, Path> COPIED = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ClassifierCache() {
    }

    /** The classifier in {@code folder}, loading it only when this JVM has not yet loaded this folder's manifest. */
    public static Classifier get(String folder) {
        Path local = local(folder);
        String key = local.toAbsolutePath().normalize() + "#" + manifestHash(local);
        Classifier c = LOADED.get(key);
        if (c != null) {
            return c;
        }
        synchronized (ClassifierCache.class) {
            // one load at a time: two tasks starting together must not both read the model
            c = LOADED.get(key);
            if (c == null) {
                String prefix = local.toAbsolutePath().normalize() + "#";
                LOADED.keySet().removeIf(k -> k.startsWith(prefix)); // an older model of the same folder
                try {
                    c = Classifier.load(local);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot load the model folder " + folder + ": " + e.getMessage(), e);
                }
                LOADS.incrementAndGet();
                LOADED.put(key, c);
            }
            return c;
        }
    }

    /** How many times this JVM has loaded a model: what shows that tasks share one. */
    public static int loads() {
        return LOADS.get();
    }

    /** The name a folder's predictions carry: its last path element. */
    static String modelName(String folder) {
        String trimmed = folder.replaceAll("/+$", "");
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /** {@code folder} as a local folder: itself for a plain path, a copy made once per JVM for a URI. */
    static Path local(String folder) {
        URI uri = URI.create(folder.replace(" ", "%20"));
        if (uri.getScheme() == null || uri.getScheme().length() == 1) { // no scheme, or a Windows drive letter
            return Path.of(folder);
        }
        return COPIED.computeIfAbsent(folder, f -> {
            try {
                FileSystem fs = FileSystem.get(uri, new Configuration());
                org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(uri);
                Path target = Files.createTempDirectory("distillery-model-");
                for (FileStatus s : fs.listStatus(source)) {
                    if (s.isFile()) {
                        fs.copyToLocalFile(false, s.getPath(),
                                new org.apache.hadoop.fs.Path(target.resolve(s.getPath().getName()).toUri()), true);
                    }
                }
                return target;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the model folder " + folder + " to this executor: "
                        + e.getMessage(), e);
            }
        });
    }

    private static String manifestHash(Path folder) {
        Path manifest = folder.resolve(Manifest.FILE);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(manifest)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + " (a model folder saved by distillery): "
                    + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
