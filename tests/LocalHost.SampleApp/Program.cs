using Campaigns.LocalHost.SampleApp;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The worker as a real app builds it: ASP.NET Core integration for HTTP, everything else over gRPC.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton<Records>();
builder.Build().Run();
