package dev.tidings.subscriber;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** The public HTML pages (templates in {@code templates/PublicPages/}); accessible, no JavaScript. */
@CheckedTemplate(basePath = "PublicPages")
final class PublicPages {

    private PublicPages() {}

    static native TemplateInstance signup(String slug, String newsletter, String email, String name, String error);

    static native TemplateInstance message(String title, String heading, String message);

    static native TemplateInstance unsubscribe(String newsletter, String action);
}
