import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Application,
  type DownloadRefusal,
  downloadDataExport,
  downloadReportPdf,
} from "@flowgate/application";

const exportPath = /^\/downloads\/exports\/(dsx_[A-Za-z0-9]{1,64})$/;
const reportPath = /^\/downloads\/reports\/(key_[A-Za-z0-9]{1,64})\/(ses_[A-Za-z0-9]{1,64})\.pdf$/;

const refusalStatus: Record<DownloadRefusal, number> = {
  missing: 403,
  invalid: 403,
  expired: 410,
  not_found: 404,
};

const refusalMessage: Record<DownloadRefusal, string> = {
  missing: "This download needs a signed URL",
  invalid: "The URL's signature is not valid",
  expired: "This download link has expired; request a new export",
  not_found: "No such export",
};

function refuse(res: ServerResponse, reason: DownloadRefusal): void {
  res.writeHead(refusalStatus[reason], { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ error: reason, message: refusalMessage[reason] }));
}

/**
 * Serves signed downloads (`GET /downloads/…`): DSAR export ZIPs and PDF verification reports. The HMAC signature and expiry in the query
 * are the authorization (no API key), checked by the application. Returns whether the request was one.
 */
export function serveDownloads(req: IncomingMessage, res: ServerResponse, app: Application): boolean {
  const url = new URL(req.url ?? "/", "http://gateway.local");
  if (!url.pathname.startsWith("/downloads/")) return false;
  if (req.method !== "GET") {
    res.writeHead(405, { allow: "GET" }).end();
    return true;
  }
  const query = { expires: url.searchParams.get("expires"), signature: url.searchParams.get("signature") };
  const report = reportPath.exec(url.pathname);
  if (report?.[1] && report[2]) {
    const input = { keyId: report[1], sessionId: report[2], path: url.pathname, ...query };
    void downloadReportPdf(app, input).then(
      (answer) => {
        if (!answer.ok) return refuse(res, answer.reason);
        res.writeHead(200, {
          "content-type": "application/pdf",
          "content-length": answer.pdf.byteLength,
          "content-disposition": `inline; filename="verification-report-${report[2]}.pdf"`,
          "cache-control": "no-store",
        });
        res.end(answer.pdf);
      },
      () => failed(res),
    );
    return true;
  }
  const match = exportPath.exec(url.pathname);
  if (!match?.[1]) {
    refuse(res, "not_found");
    return true;
  }
  void downloadDataExport(app, { exportId: match[1], path: url.pathname, ...query }).then(
    (answer) => {
      if (!answer.ok) return refuse(res, answer.reason);
      res.writeHead(200, {
        "content-type": "application/zip",
        "content-length": answer.zip.byteLength,
        "content-disposition": `attachment; filename="${answer.filename}"`,
        "cache-control": "no-store",
      });
      res.end(answer.zip);
    },
    () => failed(res),
  );
  return true;
}

function failed(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: "internal", message: "The download could not be built; retry shortly" }));
}
