using Microsoft.Extensions.FileProviders;
using Shinsa.Silo.Auth;

namespace Shinsa.Silo.Dashboard;

/// <summary>
/// The dashboard: plain HTML, JS and CSS embedded in the silo's assembly (nothing from a CDN), served under /dashboard;
/// the pages read everything through the API with the login cookie, so the API's role checks are the dashboard's too.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly EmbeddedFileProvider Files = new(typeof(DashboardEndpoints).Assembly, "Shinsa.Silo.Dashboard.wwwroot");

    public static void UseDashboardAssets(this WebApplication app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = "/dashboard",
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });

    public static void MapDashboardPages(this WebApplication app)
    {
        // The shell page holds no data; without a valid cookie it sends the browser to the login page.
        app.MapGet("/", (HttpContext http) => http.Caller() is null ? Results.Redirect("/login") : Page("index.html"))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/login", () => Page("login.html")).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Page(string name)
    {
        var file = Files.GetFileInfo(name);
        return Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8");
    }
}
