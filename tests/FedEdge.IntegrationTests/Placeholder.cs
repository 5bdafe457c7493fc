namespace FedEdge.IntegrationTests;
