package dev.distillery.recipe;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.distillery.classify.Manifest;
import dev.distillery.data.DatasetException;
import dev.distillery.data.SplitFiles;
import dev.distillery.io.HfConfig;
import dev.distillery.model.EncoderConfig;
import dev.distillery.onnx.MiniLm;
import dev.distillery.recipe.Field.Kind;
import dev.distillery.tokenize.Utf8Text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a recipe (YAML, or JSON for a {@code .json} file) and checks all of it before anything runs:
 * unknown fields (with the nearest known name), types, ranges, choices, that named files and folders
 * exist, and rules between fields. The first problem is thrown as a {@link RecipeException} naming
 * the field path:
 * <pre>
 * recipe.yaml: student.layers: expected an integer ≥ 0, got "three"
 * recipe.yaml: studnet: unknown section; did you mean student?
 * </pre>
 */
public final class RecipeReader {
    /** Classpath resource of the bundled demo recipe. */
    public static final String DEMO_RESOURCE = "dev/distillery/recipe/demo.yaml";
    /** Refused before reading: a recipe is a page of settings. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder().build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private static EncoderConfig miniLm; // guarded by RecipeReader.class

    private final String source;
    private final Path baseDir;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Set<String> given = new LinkedHashSet<>();

    private RecipeReader(String source, Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    /** Reads and checks a recipe file; relative paths in it are resolved against its folder. */
    public static Recipe read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new RecipeException(file.toString(), "", "is a folder, not a recipe file");
        }
        if (!Files.isRegularFile(file)) {
            // a missing input file is a failure (exit 1) for every command; only a recipe's content is a usage error
            throw new NoSuchFileException(file.toString(), null, "no such recipe file");
        }
        String text;
        try {
            text = Utf8Text.read(file, MAX_FILE_BYTES);
        } catch (Utf8Text.MalformedException e) {
            throw new RecipeException(file.toString(), "", e.getMessage() + "; a recipe is UTF-8 text");
        } catch (Utf8Text.TooLargeException e) {
            throw new RecipeException(file.toString(), "", "the file is " + Files.size(file) + " bytes; a recipe is a few"
                    + " hundred, so this is not one (the limit is " + MAX_FILE_BYTES + ")");
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        Path dir = file.toAbsolutePath().normalize().getParent();
        return parse(text, json, file.toString(), dir);
    }

    /** The bundled demo recipe (it names no files, so it needs no folder). */
    public static Recipe demo() throws IOException {
        try (InputStream in = RecipeReader.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new IOException("classpath resource " + DEMO_RESOURCE + " is missing from this build");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), false, "demo recipe", Path.of("").toAbsolutePath());
        }
    }

    /**
     * Checks recipe text.
     *
     * @param json    parse as JSON rather than YAML
     * @param source  names the recipe in error messages
     * @param baseDir folder against which relative paths are resolved
     */
    public static Recipe parse(String text, boolean json, String source, Path baseDir) {
        JsonNode root;
        try {
            root = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new RecipeException(source, "", "not valid " + (json ? "JSON" : "YAML")
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        RecipeReader r = new RecipeReader(source, baseDir);
        r.readRoot(root);
        r.crossCheck();
        return new Recipe(source, r.values, r.given);
    }

    private RecipeException error(String path, String problem) {
        return new RecipeException(source, path, problem);
    }

    private void readRoot(JsonNode root) {
        if (root != null && !root.isNull() && !root.isMissingNode() && !root.isObject()) {
            throw error("", "expected a mapping of sections (data, teacher, student, ...), got " + describe(root));
        }
        Map<String, JsonNode> top = new LinkedHashMap<>();
        if (root != null && root.isObject()) {
            root.fields().forEachRemaining(e -> top.put(e.getKey(), e.getValue()));
        }
        List<String> topNames = new ArrayList<>(RecipeSchema.SECTIONS);
        RecipeSchema.section("").forEach(f -> topNames.add(f.name()));
        for (Map.Entry<String, JsonNode> e : top.entrySet()) {
            String key = e.getKey();
            if (RecipeSchema.SECTIONS.contains(key)) {
                JsonNode section = e.getValue();
                if (section.isNull()) {
                    continue; // "pruning:" with nothing under it: all defaults
                }
                if (!section.isObject()) {
                    throw error(key, "expected a mapping of fields, got " + describe(section));
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    String path = key + "." + f.getKey();
                    Field field = RecipeSchema.field(path).orElseThrow(() -> unknown(key, f.getKey()));
                    values.put(path, convert(field, f.getValue()));
                    given.add(path);
                }
            } else {
                Optional<Field> field = RecipeSchema.field(key);
                if (field.isEmpty()) {
                    throw unknown("", key);
                }
                values.put(key, convert(field.get(), e.getValue()));
                given.add(key);
            }
        }
        for (Field f : RecipeSchema.fields()) {
            values.putIfAbsent(f.path(), f.defaultValue());
        }
    }

    /** An unknown key: the nearest name in its own section, else the same name in another section. */
    private RecipeException unknown(String section, String key) {
        String path = section.isEmpty() ? key : section + "." + key;
        List<String> candidates = new ArrayList<>();
        if (section.isEmpty()) {
            candidates.addAll(RecipeSchema.SECTIONS);
        }
        RecipeSchema.section(section).forEach(f -> candidates.add(f.name()));
        String what = section.isEmpty() ? "unknown section or field" : "unknown field";
        Optional<String> near = nearest(key, candidates);
        if (near.isPresent()) {
            return error(path, what + "; did you mean " + (section.isEmpty() ? "" : section + ".") + near.get() + "?");
        }
        List<String> elsewhere = RecipeSchema.fields().stream().filter(f -> f.name().equals(key)).map(Field::path).toList();
        if (!elsewhere.isEmpty()) {
            return error(path, what + "; did you mean " + String.join(" or ", elsewhere) + "?");
        }
        return error(path, what + "; " + (section.isEmpty() ? "sections are " + String.join(", ", RecipeSchema.SECTIONS)
                : section + " has " + String.join(", ", RecipeSchema.section(section).stream().map(Field::name).toList())));
    }

    /** The candidate within edit distance max(2, a third of its length), closest first. */
    static Optional<String> nearest(String key, List<String> candidates) {
        String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
        return candidates.stream()
                .filter(c -> distance(k, c) <= Math.max(2, c.length() / 3))
                .min(Comparator.comparingInt(c -> distance(k, c)));
    }

    /** Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours counts once). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private Object convert(Field f, JsonNode n) {
        String path = f.path();
        // YAML reads "layers:" with nothing after it as null or as "", depending on what follows
        if (n == null || n.isNull() || n.isTextual() && n.asText().isEmpty()) {
            throw error(path, "expected " + f.expected() + ", got no value");
        }
        return switch (f.kind()) {
            case INTEGER -> {
                if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                    throw error(path, "expected " + f.expected() + ", got " + describe(n));
                }
                long v = n.longValue();
                if (v < f.min() || v > f.max()) {
                    throw error(path, "expected " + f.expected() + ", got " + v);
                }
                yield v;
            }
            case NUMBER -> {
                if (!n.isNumber()) {
                    throw error(path, "expected " + f.expected() + ", got " + describe(n));
                }
                double v = n.doubleValue();
                if (!(v >= f.min() && v <= f.max())) {
                    throw error(path, "expected " + f.expected() + ", got " + n);
                }
                yield v;
            }
            case BOOLEAN -> {
                if (!n.isBoolean()) {
                    throw error(path, "expected " + f.expected() + ", got " + describe(n));
                }
                yield n.booleanValue();
            }
            case TEXT -> text(f, n);
            case CHOICE -> choice(f, n, path);
            case CHOICE_LIST -> {
                if (!n.isArray()) {
                    throw error(path, "expected " + f.expected() + " (e.g. [" + String.join(", ", f.choices()) + "]), got "
                            + describe(n));
                }
                List<String> list = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < n.size(); i++) {
                    String v = choice(f, n.get(i), path + "[" + i + "]");
                    if (!seen.add(v)) {
                        throw error(path + "[" + i + "]", "\"" + v + "\" is listed twice");
                    }
                    list.add(v);
                }
                yield List.copyOf(list);
            }
            case TEXT_LIST -> {
                if (!n.isArray()) {
                    throw error(path, "expected " + f.expected() + ", got " + describe(n));
                }
                List<String> list = new ArrayList<>();
                for (int i = 0; i < n.size(); i++) {
                    JsonNode e = n.get(i);
                    if (!e.isTextual() || e.asText().isBlank()) {
                        throw error(path + "[" + i + "]", "expected a non-empty string, got " + describe(e));
                    }
                    list.add(e.asText());
                }
                yield List.copyOf(list);
            }
            case FILE -> {
                Path p = resolve(text(f, n));
                if (!Files.isRegularFile(p)) {
                    throw error(path, (Files.isDirectory(p) ? "expected a file, got the folder " : "no such file ") + p);
                }
                yield p;
            }
            case FOLDER -> {
                Path p = resolve(text(f, n));
                if (!Files.isDirectory(p)) {
                    throw error(path, (Files.exists(p) ? "expected a folder, got the file " : "no such folder ") + p);
                }
                yield p;
            }
            case OUTPUT_FOLDER -> {
                Path p = resolve(text(f, n));
                if (Files.exists(p) && !Files.isDirectory(p)) {
                    throw error(path, p + " exists and is not a folder");
                }
                yield p;
            }
            case MODEL -> {
                String v = text(f, n);
                if (v.equals("minilm")) {
                    yield v;
                }
                Path p = resolve(v);
                if (!Files.isRegularFile(p.resolve("config.json"))) {
                    throw error(path, "expected " + f.expected() + ", but " + p
                            + (Files.isDirectory(p) ? " has no config.json" : " does not exist"));
                }
                yield p.toString();
            }
        };
    }

    private String text(Field f, JsonNode n) {
        if (!n.isTextual() || n.asText().isBlank()) {
            throw error(f.path(), "expected " + f.expected() + ", got " + describe(n));
        }
        return n.asText();
    }

    private String choice(Field f, JsonNode n, String path) {
        if (!n.isTextual()) {
            throw error(path, "expected one of " + String.join(", ", f.choices()) + ", got " + describe(n));
        }
        String v = n.asText();
        if (!f.choices().contains(v)) {
            String hint = nearest(v, f.choices()).map(c -> "; did you mean " + c + "?").orElse("");
            throw error(path, "expected one of " + String.join(", ", f.choices()) + ", got \"" + v + "\"" + hint);
        }
        return v;
    }

    private Path resolve(String p) {
        String expanded = p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : p;
        return baseDir.resolve(expanded).toAbsolutePath().normalize();
    }

    /** A value as the user wrote it: strings quoted, maps and lists by kind. */
    private static String describe(JsonNode n) {
        if (n.isTextual()) {
            return "\"" + n.asText() + "\"";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isArray()) {
            return "a list";
        }
        return n.toString();
    }

    /** Rules between fields, checked after every field is read. */
    private void crossCheck() {
        if (values.get("data.dir") != null) {
            for (String s : List.of("data.train", "data.validation", "data.test")) {
                if (given.contains(s)) {
                    throw error(s, "give either data.dir or data.train/validation/test, not both");
                }
            }
            Path dir = (Path) values.get("data.dir");
            try {
                SplitFiles.in(dir);
            } catch (DatasetException e) {
                throw error("data.dir", dir + " holds no train file (train.csv[.gz], train.tsv[.gz] or train.jsonl[.gz])");
            }
        } else if (values.get("data.train") == null) {
            for (String s : List.of("data.validation", "data.test")) {
                if (given.contains(s)) {
                    throw error(s, "needs data.train (without it the bundled phishing-urls splits are used)");
                }
            }
        }
        Path trained = (Path) values.get("teacher.trained");
        if (trained != null) {
            for (String s : given) {
                if (s.startsWith("teacher.") && !s.equals("teacher.trained")) {
                    throw error(s, "has no effect with teacher.trained (that teacher is used as it is); remove one of them");
                }
            }
            if (!Files.isRegularFile(trained.resolve(Manifest.FILE))) {
                throw error("teacher.trained", trained + " has no " + Manifest.FILE + "; expected a folder saved by "
                        + "train-teacher or a recipe run (models/teacher)");
            }
        }
        if (values.get("student.init").equals("from-teacher")) {
            for (String s : List.of("student.hidden", "student.heads", "student.ffn")) {
                if ((Long) values.get(s) != 0) {
                    throw error(s, "a student initialised from the teacher keeps the teacher's widths; set 0, "
                            + "or set student.init: random");
                }
            }
            long layers = (Long) values.get("student.layers");
            if (layers > 0) {
                int teacherLayers = teacherConfig().numLayers();
                if (layers > teacherLayers) {
                    throw error("student.layers", "a student initialised from the teacher has at most its " + teacherLayers
                            + " layers, got " + layers + "; set student.init: random for a deeper one");
                }
            }
        }
        for (String section : List.of("pruning", "verification")) {
            if (!(Boolean) values.get(section + ".enabled")) {
                for (String s : given) {
                    if (s.startsWith(section + ".") && !s.equals(section + ".enabled")) {
                        throw error(s, "has no effect unless " + section + ".enabled is true");
                    }
                }
            }
        }
        if ((Boolean) values.get("pruning.gradual")
                && ((Double) values.get("pruning.sparsity") == 0 || (Long) values.get("pruning.recover_epochs") == 0)) {
            throw error("pruning.gradual", "the sparsity is reached during recovery: set pruning.sparsity above 0 and "
                    + "pruning.recover_epochs to at least 1");
        }
        if ((Boolean) values.get("pruning.recover_from_teacher") && values.get("pruning.source").equals("student")
                && (Boolean) values.get("distillation.trim_vocabulary")) {
            throw error("pruning.recover_from_teacher", "the student's trimmed vocabulary differs from the teacher's; "
                    + "set distillation.trim_vocabulary: false to recover the pruned student from the teacher");
        }
        long studentLayers = (Long) values.get("student.layers");
        long dropped = (Long) values.get("pruning.layers");
        if (dropped > 0 && values.get("pruning.source").equals("student") && studentLayers > 0 && dropped >= studentLayers) {
            throw error("pruning.layers", "removes " + dropped + " of the student's " + studentLayers
                    + " layers; at least one must stay");
        }
        if ((Boolean) values.get("verification.enabled") && values.get("verification.data") == null) {
            boolean hasTest = values.get("data.dir") != null ? SplitFiles.in((Path) values.get("data.dir")).test() != null
                    : values.get("data.train") == null || values.get("data.test") != null;
            if (!hasTest) {
                throw error("verification.data", "verification needs a labelled test file: set data.test (or a test file "
                        + "in data.dir), or verification.data, or verification.enabled: false");
            }
        }
        long studentLength = (Long) values.get("distillation.max_length");
        long teacherLength = trained == null ? (Long) values.get("teacher.max_length") : 0;
        if (studentLength > 0 && teacherLength > 0 && studentLength > teacherLength) {
            throw error("distillation.max_length", "is " + studentLength + ", more than teacher.max_length "
                    + teacherLength + " the teacher was fine-tuned with");
        }
    }

    /** The bundled MiniLM's shape, imported once per process: the import reads its 90 MB of weights. */
    private static synchronized EncoderConfig miniLmConfig() throws IOException {
        if (miniLm == null) {
            miniLm = MiniLm.load().config();
        }
        return miniLm;
    }

    /** The teacher's shape, read from its config.json (or the bundled MiniLM). */
    private EncoderConfig teacherConfig() {
        Path trained = (Path) values.get("teacher.trained");
        String base = (String) values.get("teacher.base");
        try {
            if (trained != null) {
                return HfConfig.read(trained.resolve("config.json"));
            }
            return base.equals("minilm") ? miniLmConfig() : HfConfig.read(Path.of(base).resolve("config.json"));
        } catch (IOException e) {
            throw error(trained != null ? "teacher.trained" : "teacher.base", "cannot read the teacher's config: " + e.getMessage());
        }
    }
}
