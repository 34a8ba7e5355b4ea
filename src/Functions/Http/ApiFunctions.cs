using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Http;

/// <summary>
/// One HTTP function per API operation, for the Functions host: its name is the operation's name, its trigger the
/// operation's route and method (host.json's <c>routePrefix</c> is empty, so the paths are the API's). The body runs
/// the operation as <see cref="ApiDescription"/> maps it. Anonymous at the host: every operation authenticates the
/// caller's API key itself (a 401 problem otherwise), which the host's function keys could not do per account.
/// </summary>
/// <remarks>
/// Public, with the app's (internal) services taken from the invocation's container: the Worker SDK's generated
/// executor calls a function's method directly only when its class is public. For a public method of an internal class
/// it creates a reflection-based executor on every invocation, which compiles an expression tree each time (seen in a
/// profile of the dispatch benchmark: the compiles and the finalization of their dynamic methods cost more CPU than
/// the functions' own work). A public constructor cannot take internal types, hence <see cref="IServiceProvider"/>.
/// </remarks>
public sealed class ApiFunctions(IServiceProvider services)
{
    private ApiDescription Api => services.GetRequiredService<ApiDescription>();

    private const AuthorizationLevel Anonymous = AuthorizationLevel.Anonymous;

    private async Task<IResult> Run(string name, HttpRequest request)
    {
        await Api.InvokeAsync(name, request.HttpContext);
        return Results.Empty; // the operation has written the response
    }

    // ---- Campaigns API, /v1 (seed 000) ----------------------------------------------------------------------------

    [Function("CreateCampaign")]
    public Task<IResult> CreateCampaign([HttpTrigger(Anonymous, "post", Route = "v1/campaigns")] HttpRequest request) => Run("CreateCampaign", request);

    [Function("ListCampaigns")]
    public Task<IResult> ListCampaigns([HttpTrigger(Anonymous, "get", Route = "v1/campaigns")] HttpRequest request) => Run("ListCampaigns", request);

    [Function("GetCampaign")]
    public Task<IResult> GetCampaign([HttpTrigger(Anonymous, "get", Route = "v1/campaigns/{id}")] HttpRequest request) => Run("GetCampaign", request);

    [Function("UpdateCampaignStatus")]
    public Task<IResult> UpdateCampaignStatus([HttpTrigger(Anonymous, "patch", Route = "v1/campaigns/{id}")] HttpRequest request) => Run("UpdateCampaignStatus", request);

    [Function("RemoveContacts")]
    public Task<IResult> RemoveContacts([HttpTrigger(Anonymous, "delete", Route = "v1/campaigns/{id}/contacts")] HttpRequest request) => Run("RemoveContacts", request);

    [Function("ListContacts")]
    public Task<IResult> ListContacts([HttpTrigger(Anonymous, "get", Route = "v1/campaigns/{id}/contacts")] HttpRequest request) => Run("ListContacts", request);

    [Function("ReportCallResult")]
    public Task<IResult> ReportCallResult([HttpTrigger(Anonymous, "post", Route = "v1/calls/{call_id}/result")] HttpRequest request) => Run("ReportCallResult", request);

    [Function("ReportCallAnswered")]
    public Task<IResult> ReportCallAnswered([HttpTrigger(Anonymous, "post", Route = "v1/calls/{call_id}/answered")] HttpRequest request) => Run("ReportCallAnswered", request);

    [Function("GetCallingHours")]
    public Task<IResult> GetCallingHours([HttpTrigger(Anonymous, "get", Route = "v1/account/calling-hours")] HttpRequest request) => Run("GetCallingHours", request);

    [Function("SetCallingHours")]
    public Task<IResult> SetCallingHours([HttpTrigger(Anonymous, "put", Route = "v1/account/calling-hours")] HttpRequest request) => Run("SetCallingHours", request);

    [Function("CreateWebhook")]
    public Task<IResult> CreateWebhook([HttpTrigger(Anonymous, "post", Route = "v1/webhooks")] HttpRequest request) => Run("CreateWebhook", request);

    [Function("ListWebhooks")]
    public Task<IResult> ListWebhooks([HttpTrigger(Anonymous, "get", Route = "v1/webhooks")] HttpRequest request) => Run("ListWebhooks", request);

    [Function("GetWebhook")]
    public Task<IResult> GetWebhook([HttpTrigger(Anonymous, "get", Route = "v1/webhooks/{id}")] HttpRequest request) => Run("GetWebhook", request);

    [Function("DeleteWebhook")]
    public Task<IResult> DeleteWebhook([HttpTrigger(Anonymous, "delete", Route = "v1/webhooks/{id}")] HttpRequest request) => Run("DeleteWebhook", request);

    [Function("ListWebhookDeliveries")]
    public Task<IResult> ListWebhookDeliveries([HttpTrigger(Anonymous, "get", Route = "v1/webhooks/{id}/deliveries")] HttpRequest request) =>
        Run("ListWebhookDeliveries", request);

    // ---- Campaign Scheduler API, /api/v (seed 002) ----------------------------------------------------------------

    [Function("SchedulerListCampaigns")]
    public Task<IResult> SchedulerListCampaigns([HttpTrigger(Anonymous, "get", Route = "api/v/campaign")] HttpRequest request) => Run("SchedulerListCampaigns", request);

    [Function("SchedulerCreateCampaign")]
    public Task<IResult> SchedulerCreateCampaign([HttpTrigger(Anonymous, "post", Route = "api/v/campaign")] HttpRequest request) => Run("SchedulerCreateCampaign", request);

    [Function("SchedulerGetCampaign")]
    public Task<IResult> SchedulerGetCampaign([HttpTrigger(Anonymous, "get", Route = "api/v/campaign/{slug}")] HttpRequest request) => Run("SchedulerGetCampaign", request);

    [Function("SchedulerReplaceCampaign")]
    public Task<IResult> SchedulerReplaceCampaign([HttpTrigger(Anonymous, "put", Route = "api/v/campaign/{slug}")] HttpRequest request) =>
        Run("SchedulerReplaceCampaign", request);

    [Function("SchedulerPatchCampaign")]
    public Task<IResult> SchedulerPatchCampaign([HttpTrigger(Anonymous, "patch", Route = "api/v/campaign/{slug}")] HttpRequest request) => Run("SchedulerPatchCampaign", request);

    [Function("SchedulerDeleteCampaign")]
    public Task<IResult> SchedulerDeleteCampaign([HttpTrigger(Anonymous, "delete", Route = "api/v/campaign/{slug}")] HttpRequest request) =>
        Run("SchedulerDeleteCampaign", request);

    [Function("SchedulerCampaignStatus")]
    public Task<IResult> SchedulerCampaignStatus([HttpTrigger(Anonymous, "get", Route = "api/v/campaign/{slug}/status")] HttpRequest request) =>
        Run("SchedulerCampaignStatus", request);

    [Function("SchedulerCreateList")]
    public Task<IResult> SchedulerCreateList([HttpTrigger(Anonymous, "post", Route = "api/v/list")] HttpRequest request) => Run("SchedulerCreateList", request);

    [Function("SchedulerGetList")]
    public Task<IResult> SchedulerGetList([HttpTrigger(Anonymous, "get", Route = "api/v/list/{slug}")] HttpRequest request) => Run("SchedulerGetList", request);

    [Function("SchedulerAddProspect")]
    public Task<IResult> SchedulerAddProspect([HttpTrigger(Anonymous, "post", Route = "api/v/prospect/{list_uuid}")] HttpRequest request) => Run("SchedulerAddProspect", request);

    [Function("SchedulerUpload")]
    public Task<IResult> SchedulerUpload([HttpTrigger(Anonymous, "post", Route = "api/v/upload/{list_slug}")] HttpRequest request) => Run("SchedulerUpload", request);

    [Function("SchedulerGetUpload")]
    public Task<IResult> SchedulerGetUpload([HttpTrigger(Anonymous, "get", Route = "api/v/upload/{uuid}")] HttpRequest request) => Run("SchedulerGetUpload", request);

    [Function("SchedulerUploadErrors")]
    public Task<IResult> SchedulerUploadErrors([HttpTrigger(Anonymous, "get", Route = "api/v/upload/{uuid}/errors")] HttpRequest request) => Run("SchedulerUploadErrors", request);

    [Function("SchedulerRetryUpload")]
    public Task<IResult> SchedulerRetryUpload([HttpTrigger(Anonymous, "post", Route = "api/v/upload/{uuid}/retry")] HttpRequest request) => Run("SchedulerRetryUpload", request);

    // ---- The service itself ---------------------------------------------------------------------------------------

    [Function("Health")]
    public Task<IResult> Health([HttpTrigger(Anonymous, "get", Route = "health")] HttpRequest request) => Run(ApiDescription.HealthEndpoint, request);
}
