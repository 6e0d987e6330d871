package dev.distillery.serve;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Answers the errors Jetty raises itself (an unparseable request line, headers too large, a request
 * refused during shutdown) as {@code {"error": "..."}} like every other refusal, never as an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final Metrics metrics;

    JsonErrorHandler(Metrics metrics) {
        this.metrics = metrics;
        setShowStacks(false);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        metrics.error(code == HttpStatus.SERVICE_UNAVAILABLE_503 ? ErrorKind.SHUTTING_DOWN : ErrorKind.PROTOCOL);
        // Jetty's message may be an exception's toString; the reason phrase is what a client can use
        String text = message == null || cause != null ? HttpStatus.getMessage(code) : message;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(ApiHandler.error(text)), callback);
    }
}
