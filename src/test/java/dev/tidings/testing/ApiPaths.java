package dev.tidings.testing;

/** The admin API's paths, written once (API.md is the contract they follow). */
public final class ApiPaths {

    private ApiPaths() {}

    public static final String NEWSLETTERS = "/api/newsletters";

    public static String newsletter(String id) {
        return NEWSLETTERS + "/" + id;
    }

    public static String subscribers(String newsletter) {
        return newsletter(newsletter) + "/subscribers";
    }

    public static String subscriber(String newsletter, String subscriber) {
        return subscribers(newsletter) + "/" + subscriber;
    }

    public static String imports(String newsletter) {
        return subscribers(newsletter) + "/import";
    }

    public static String issues(String newsletter) {
        return newsletter(newsletter) + "/issues";
    }

    public static String issue(String newsletter, String issue) {
        return issues(newsletter) + "/" + issue;
    }
}
