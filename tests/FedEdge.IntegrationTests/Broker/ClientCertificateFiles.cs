namespace FedEdge.IntegrationTests.Broker;

/// <summary>PEM files of one client identity.</summary>
public sealed record ClientCertificateFiles(string CertificatePath, string KeyPath);
