import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { customResourceServiceTimeout, fleetHandlerFunction } from '../handler-function';
import { nagResourceName } from '../nag';

/**
 * Properties of a {@link NamespaceCleanup}.
 */
export interface NamespaceCleanupProps {
  /** The Cloud Map namespace whose services ECS creates for Service Connect. */
  readonly namespace: servicediscovery.INamespace;
}

/**
 * Lets a stack with a Service Connect namespace be deleted in one go. ECS creates a Cloud Map service in the namespace
 * for every Service Connect endpoint and deletes it only asynchronously after the ECS service is gone, while Cloud
 * Map refuses `DeleteNamespace` (ResourceInUse) as long as any service is left: without this, deleting a branch's
 * stack stops on the namespace.
 *
 * A custom resource that depends on the namespace, and that every ECS service given to {@link waitForDeletionOf}
 * depends on: CloudFormation deletes in reverse dependency order, so on stack deletion it runs after those ECS
 * services are deleted and before the namespace is. It then lists the namespace's services, waits until each has no
 * registered instance, deletes it, and answers once none is left (or fails, naming them, within 14 minutes). Create
 * and Update do nothing. See docs/compose.md, "Deleting the stack".
 */
export class NamespaceCleanup extends Construct {
  /** The custom resource (`Custom::FleetNamespaceCleanup`). */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: NamespaceCleanupProps) {
    super(scope, id);
    const fn = fleetHandlerFunction(this, 'Function', {
      handler: 'namespace-cleanup',
      description: `Deletes the Cloud Map services ECS left in the Service Connect namespace of ${scope.node.path} before CloudFormation deletes it`,
      timeout: Duration.minutes(14),
      memorySize: 256,
    });
    // ListServices supports no resource-level permissions (Service Authorization Reference, AWS Cloud Map); the
    // handler filters it on this namespace's id.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['servicediscovery:ListServices'], resources: ['*'] }));
    // ListInstances and DeleteService take a service ARN, whose id ECS generates at deploy time, and no namespace
    // condition key (only aws:ResourceTag, servicediscovery:ServiceArn / ServiceCreatedByAccount): the statement is
    // limited to this account's services in this region, and the handler only touches services ListServices
    // returned for this namespace.
    const services = Stack.of(this).formatArn({ service: 'servicediscovery', resource: 'service', resourceName: '*' });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['servicediscovery:ListInstances', 'servicediscovery:DeleteService'], resources: [services] }));
    acknowledgeFinding(fn.role!, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'servicediscovery:ListServices supports no resource-level permissions; the handler lists only the services of its own namespace (NAMESPACE_ID filter)',
    });
    acknowledgeFinding(fn.role!, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, services)}]`,
      reason: 'the Cloud Map services ECS creates for Service Connect get ids only at deploy time, and ListInstances/DeleteService offer no namespace condition key; the handler deletes only services listed in its own namespace, after every ECS service of the project is gone',
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::FleetNamespaceCleanup',
      serviceTimeout: customResourceServiceTimeout(fn),
      // A reference to the namespace: the custom resource depends on it, so it is deleted before it.
      properties: { NamespaceId: props.namespace.namespaceId },
    });
  }

  /**
   * Makes `service` (an ECS service, or a nested stack of them) depend on the cleanup, so that on stack deletion
   * CloudFormation deletes it before the cleanup runs.
   */
  public waitForDeletionOf(service: IConstruct): void {
    service.node.addDependency(this.resource);
  }
}
