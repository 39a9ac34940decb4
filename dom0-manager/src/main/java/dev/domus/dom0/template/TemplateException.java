package dev.domus.dom0.template;

/** A template operation was refused or failed; the message says what to fix. Nothing was changed. */
public final class TemplateException extends Exception {

    public TemplateException(String message) {
        super(message);
    }
}
