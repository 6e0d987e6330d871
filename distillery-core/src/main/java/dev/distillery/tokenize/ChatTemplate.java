package dev.distillery.tokenize;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat template written as data instead of Jinja: how each message is framed, what opens the
 * conversation, what opens the assistant's turn for generation, and the system message the model
 * was tuned to see when the caller gives none. The rendered text holds the special tokens
 * ("<|im_start|>") as text, which the tokenizer matches as special tokens, so it is encoded with
 * {@link Tokenizer#tokenize} (no further special tokens), as {@code apply_chat_template} does.
 *
 * <pre>{@code
 * ChatTemplate t = ChatTemplate.SMOLLM2;
 * t.render(List.of(new ChatTemplate.Message("user", "Hi")), true);
 * // "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
 * // + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
 * }</pre>
 *
 * @param name what the template is called
 * @param start text before the first message (Llama 3's "<|begin_of_text|>"), often empty
 * @param message each message, with {role} and {content} standing for its role and text
 * @param generationPrompt the opening of the assistant's turn, appended when generating
 * @param defaultSystem the system message put first when the conversation has none, or null
 * @param stop the token that ends an assistant turn ("<|im_end|>")
 */
public record ChatTemplate(String name, String start, String message, String generationPrompt, String defaultSystem,
                           String stop) {
    /** One turn of a conversation; roles are "system", "user" and "assistant". */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role);
            Objects.requireNonNull(content);
        }
    }

    /** ChatML without a default system message (Qwen2's framing). */
    public static final ChatTemplate CHATML = new ChatTemplate("chatml", "", "<|im_start|>{role}\n{content}<|im_end|>\n",
            "<|im_start|>assistant\n", null, "<|im_end|>");
    /** SmolLM2-Instruct's template: ChatML with its default system message. */
    public static final ChatTemplate SMOLLM2 = CHATML.withDefaultSystem("smollm2",
            "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
    /** Qwen2-Instruct's template: ChatML with its default system message. */
    public static final ChatTemplate QWEN2 = CHATML.withDefaultSystem("qwen2", "You are a helpful assistant.");
    /** Llama 3 Instruct's framing (without the dated system header of Llama 3.1 and later). */
    public static final ChatTemplate LLAMA3 = new ChatTemplate("llama3", "<|begin_of_text|>",
            "<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>",
            "<|start_header_id|>assistant<|end_header_id|>\n\n", null, "<|eot_id|>");

    private static final Pattern CHATML_SYSTEM = Pattern.compile("'<\\|im_start\\|>system\\\\n(.*?)<\\|im_end\\|>\\\\n'");

    public ChatTemplate withDefaultSystem(String newName, String system) {
        return new ChatTemplate(newName, start, message, generationPrompt, system, stop);
    }

    /** The conversation as text; with {@code addGenerationPrompt} it ends where the assistant's reply begins. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder(start);
        if (defaultSystem != null && (messages.isEmpty() || !messages.getFirst().role().equals("system"))) {
            out.append(frame(new Message("system", defaultSystem)));
        }
        for (Message m : messages) {
            out.append(frame(m));
        }
        if (addGenerationPrompt) {
            out.append(generationPrompt);
        }
        return out.toString();
    }

    private String frame(Message m) {
        return message.replace("{role}", m.role()).replace("{content}", m.content());
    }

    /**
     * The template a model uses: recognised in the Jinja source of its tokenizer_config.json when
     * given (ChatML, with the default system message it writes, or Llama 3), else from the special
     * tokens of its vocabulary; null when neither says.
     *
     * @param jinja the {@code chat_template} string, or null
     */
    public static ChatTemplate detect(String jinja, BpeTokenizer tokenizer) {
        if (jinja != null) {
            if (jinja.contains("<|im_start|>")) {
                Matcher m = CHATML_SYSTEM.matcher(jinja);
                return m.find() ? CHATML.withDefaultSystem("chatml", m.group(1).replace("\\n", "\n")) : CHATML;
            }
            if (jinja.contains("<|start_header_id|>")) {
                return LLAMA3;
            }
            return null;
        }
        if (tokenizer.id("<|im_start|>") >= 0 && tokenizer.id("<|im_end|>") >= 0) {
            return CHATML;
        }
        if (tokenizer.id("<|start_header_id|>") >= 0 && tokenizer.id("<|eot_id|>") >= 0) {
            return LLAMA3;
        }
        return null;
    }
}
