using System.Text.Json.Nodes;
using Campaigns.Infra.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Campaigns.Infra.Tests;

/// <summary>azure.yaml and infra/main.parameters.json: what `azd up` reads besides the templates.</summary>
public sealed class The_deployment_files
{
    [Fact]
    public void Azure_yaml_deploys_the_functions_project_as_the_api_service_to_a_function_app()
    {
        var root = AzureYaml();

        var api = (YamlMappingNode)root["services"]["api"];
        var project = api["project"].ToString();
        Assert.True(File.Exists(Path.Combine(Repository.Root, project, "Functions.csproj")), $"no Functions.csproj in {project}");
        Assert.Equal("dotnet", api["language"].ToString());
        Assert.Equal("function", api["host"].ToString());
        Assert.Equal("infra", root["infra"]["path"].ToString());
        Assert.True(File.Exists(Repository.PathOf("infra", root["infra"]["module"] + ".bicep")));
    }

    [Fact]
    public void Azure_yaml_runs_the_post_deploy_hook_which_exists_and_is_executable()
    {
        var hook = AzureYaml()["hooks"]["postdeploy"]["posix"];

        Assert.Equal("sh", hook["shell"].ToString());
        var script = Path.GetFullPath(Path.Combine(Repository.Root, hook["run"].ToString()));
        Assert.Equal(Repository.PathOf("infra", "hooks", "postdeploy.sh"), script);
        Assert.True((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, "postdeploy.sh is not executable");
    }

    [Fact]
    public async Task The_parameters_file_sets_only_parameters_main_bicep_declares_and_every_one_without_a_default()
    {
        var declared = (await CompiledInfra.GetAsync()).Main["parameters"]!.AsObject();
        var file = JsonNode.Parse(await File.ReadAllTextAsync(Repository.PathOf("infra", "main.parameters.json")))!["parameters"]!.AsObject();

        Assert.All(file.Select(p => p.Key), name => Assert.True(declared.ContainsKey(name), $"main.bicep declares no parameter {name}"));
        var required = declared.Where(p => p.Value?["defaultValue"] is null).Select(p => p.Key);
        Assert.All(required, name => Assert.True(file.ContainsKey(name), $"main.parameters.json does not set {name}, which has no default"));
        Assert.Equal("${AZURE_ENV_NAME}", file["environmentName"]?["value"]?.ToString());
        Assert.Equal("${AZURE_LOCATION}", file["location"]?["value"]?.ToString());
    }

    [Fact]
    public async Task Main_bicep_outputs_the_app_url_and_the_names_an_operator_needs()
    {
        var outputs = (await CompiledInfra.GetAsync()).Main["outputs"]!.AsObject();

        foreach (var name in new[] { "AZURE_FUNCTION_APP_URL", "AZURE_FUNCTION_APP_NAME", "AZURE_IDENTITY_CLIENT_ID", "AZURE_KEY_VAULT_NAME", "AZURE_STORAGE_ACCOUNT_NAME" })
            Assert.True(outputs.ContainsKey(name), $"no output {name}");
        Assert.StartsWith("[reference(resourceId('Microsoft.Resources/deployments', 'functionapp')", outputs["AZURE_FUNCTION_APP_URL"]!["value"]!.ToString(), StringComparison.Ordinal);
    }

    private static YamlMappingNode AzureYaml()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Repository.PathOf("azure.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}
